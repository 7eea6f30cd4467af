"""CSV exports longer than a request should stream (issue 20): a Celery job writes them into the
media storage, the page shows its progress, and the operator is emailed a download link.

Each app registers what it exports (`register`, from its AppConfig.ready): the rows of a kind come
from one function, which the streamed download and the job both use.
"""

import csv
import io
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from . import csv_export
from .audit import record_audit, request_meta
from .models import ExportJob, Membership
from .outbox import queue_email

STREAM_LIMIT = 10_000  # rows a download streams at once; more run as a job
EXPORT_DAYS = 7  # a job's file is kept this long
PROGRESS_EVERY = 1_000
LEASE = timedelta(minutes=10)  # a writer's claim on a job; lapsed, another may take it over


@dataclass(frozen=True)
class Exporter:
    """What one kind of export is: who may have it, its file name and its rows.

    `rows(membership, livemode, params)` returns the header and an iterable of rows (cells as
    they are; made safe for spreadsheets when written), in order; `count(membership, livemode,
    params, limit)` how many rows, counting at most `limit + 1` (all of them for None)."""

    kind: str
    label: str
    permissions: tuple[str, ...]
    rows: Callable[[Membership, bool, dict], tuple[list[str], Iterable[list]]]
    count: Callable[[Membership, bool, dict, int | None], int]


EXPORTERS: dict[str, Exporter] = {}


def register(exporter: Exporter) -> None:
    EXPORTERS[exporter.kind] = exporter


def allowed(membership: Membership, kind: str) -> bool:
    return all(membership.can(code) for code in EXPORTERS[kind].permissions)


def filename(kind: str, livemode: bool) -> str:
    return f"{kind}-{'live' if livemode else 'test'}-{timezone.localdate():%Y-%m-%d}.csv"


def respond(request: HttpRequest, *, kind: str, params: dict, action: str) -> HttpResponse:
    """The export of `kind` with `params` (the page's filters), audited as `action`: streamed when
    it has at most STREAM_LIMIT rows, else a job whose page the operator is sent to."""
    exporter, member, livemode = EXPORTERS[kind], request.membership, request.livemode
    if not allowed(member, kind):
        raise PermissionDenied(kind)
    params = {key: value for key, value in params.items() if value not in ("", None)}
    long = exporter.count(member, livemode, params, STREAM_LIMIT) > STREAM_LIMIT
    with transaction.atomic():
        job = start(actor=member, livemode=livemode, kind=kind, params=params,
                    total=exporter.count(member, livemode, params, None)) if long else None
        record_audit(actor=member, action=action, obj=job, livemode=livemode,
                     after={"filters": params, **({"job": job.public_id, "rows": job.total} if job else {})},
                     request_meta=request_meta(request))
    if job is not None:
        return redirect("export_detail", job_id=job.public_id)
    header, rows = exporter.rows(member, livemode, params)
    return csv_export.response(filename(kind, livemode), header, rows)


def start(*, actor: Membership, livemode: bool, kind: str, params: dict, total: int) -> ExportJob:
    """A job for an export of `total` rows; queued after the commit."""
    job = ExportJob.objects.create(platform=actor.platform, livemode=livemode, created_by=actor, kind=kind,
                                   params=params, total=total)
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from .tasks import run_export

    run_export.delay(job_id)


def run(job_id: int) -> str:
    """Write the job's file, then email its operator. Returns the job's status.

    One writer at a time: the job is claimed for LEASE (a redelivered task finds it claimed and
    stops); a worker that died leaves its claim to lapse, and the job's page queues it again
    (`resume_if_stalled`). The file is written from the start each time; only the run whose DONE
    update lands sends the email. Any error fails the job with its reason instead of leaving it
    running."""
    now = timezone.now()
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.RUNNING).filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - LEASE)
    ).update(claimed_at=now)
    job = ExportJob.objects.select_related("created_by__user", "created_by__platform", "platform").get(pk=job_id)
    if not claimed:
        return job.status
    member, exporter = job.created_by, EXPORTERS.get(job.kind)
    if member is None or exporter is None or not allowed(member, job.kind):
        return _fail(job, "The operator who started this export may no longer export it.")
    try:
        written = _write(job, exporter, member)
    except Exception as error:  # noqa: BLE001 - the job says what went wrong; the page stops waiting
        return _fail(job, f"The export failed ({type(error).__name__}). Start it again from the list.")
    done = ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.RUNNING, claimed_at=now).update(
        file=job.file.name, written=written, status=ExportJob.Status.DONE, finished_at=timezone.now()
    )
    if not done:  # another run took over after our lease lapsed: its file and email stand
        job.file.delete(save=False)
        return ExportJob.objects.get(pk=job.pk).status
    queue_email(to=member.user.email, template="platform_console/email/export_ready", platform=job.platform, context={
        "label": exporter.label, "rows": written, "days": EXPORT_DAYS,
        "url": f"{settings.CONSOLE_SITE_URL}{reverse('export_detail', args=[job.public_id])}",
    })
    return ExportJob.Status.DONE


def _write(job: ExportJob, exporter: Exporter, member: Membership) -> int:
    header, rows = exporter.rows(member, job.livemode, job.params)
    with tempfile.TemporaryFile() as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow(header)
        written = 0
        for row in rows:
            writer.writerow([csv_export.safe(cell) for cell in row])
            written += 1
            if written % PROGRESS_EVERY == 0:
                ExportJob.objects.filter(pk=job.pk).update(written=written)
        text.flush()
        raw.seek(0)
        job.file.save(f"{job.public_id}.csv", File(raw), save=False)
        text.detach()
    return written


def resume_if_stalled(job: ExportJob) -> bool:
    """Queue a running job again when its worker's lease lapsed (or it was never picked up)."""
    if job.status != ExportJob.Status.RUNNING:
        return False
    since = job.claimed_at or job.created_at
    if timezone.now() - since < LEASE:
        return False
    _enqueue(job.pk)
    return True


def _fail(job: ExportJob, reason: str) -> str:
    job.status, job.error, job.finished_at = ExportJob.Status.FAILED, reason[:200], timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    return job.status


def prune(now=None) -> int:
    """Delete the jobs (and files) older than EXPORT_DAYS."""
    old = ExportJob.objects.filter(created_at__lt=(now or timezone.now()) - timedelta(days=EXPORT_DAYS))
    removed = 0
    for job in old.iterator():
        if job.file:
            job.file.delete(save=False)
        job.delete()
        removed += 1
    return removed
