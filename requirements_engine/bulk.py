"""**Send remediation links** to every account of a filtered list (issue 20).

`start` fixes the accounts (one item each) and audits the action with its members; `run` (the
Celery task `send_bulk_remediation`) works through the pending items, each in its own
transaction that also creates the link and queues the email through the outbox, so a retried,
resumed or concurrent run never sends a second link or email to an account. A job whose worker
died is resumed when its page is next looked at (`resume_if_stalled`) or by the worker's retry.
"""

from collections import Counter
from datetime import timedelta

from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from accounts import selectors as account_selectors
from accounts.errors import AccountError, NotAllowed
from accounts.models import Connection
from platform_console import permissions
from platform_console.audit import record_audit
from platform_console.models import Membership

from . import services
from .models import BulkRemediation, BulkRemediationItem

LIMIT = 10_000  # accounts per bulk send; a larger list is refused with the way to narrow it
BATCH = 50
STALLED_AFTER = timedelta(minutes=2)
NO_EMAIL = "No email address on file: there is nobody to send the link to."
NOTHING_DUE = "Nothing to provide: no requirement is due."


class BulkError(Exception):
    """Why a bulk send cannot start, in words for the operator."""


def matching(*, actor: Membership, livemode: bool, filters: dict):
    """The connections the list shows with these filters (the list's own search and filters)."""
    return account_selectors.search_list(platform=actor.platform, livemode=livemode, filters=filters)


def start(*, actor: Membership, livemode: bool, filters: dict, request_meta: dict | None = None) -> BulkRemediation:
    """A bulk send to the accounts matching `filters` now; the job is queued after the commit."""
    if not actor.can(permissions.CREATE_REMEDIATION_LINKS):
        raise NotAllowed("Your role cannot send remediation links.")
    ids = list(matching(actor=actor, livemode=livemode, filters=filters).order_by("-created_at", "-id").values_list("pk", flat=True)[: LIMIT + 1])
    if not ids:
        raise BulkError("No account matches these filters.")
    if len(ids) > LIMIT:
        raise BulkError(f"Bulk sends are limited to {LIMIT:,} accounts. Narrow the list with the filters or the search.")
    chosen = {key: value for key, value in filters.items() if value not in ("", None)}
    with transaction.atomic():
        # A second submit (a double click, a resent form) joins the send already running for the
        # same accounts instead of sending every account a second link.
        running = BulkRemediation.objects.select_for_update().filter(
            platform=actor.platform, livemode=livemode, status=BulkRemediation.Status.RUNNING, filters=chosen
        ).first()
        if running is not None:
            return running
        job = BulkRemediation.objects.create(
            platform=actor.platform, livemode=livemode, created_by=actor, total=len(ids), filters=chosen,
        )
        BulkRemediationItem.objects.bulk_create(
            [BulkRemediationItem(job=job, connection_id=pk) for pk in ids], batch_size=1000
        )
        record_audit(actor=actor, action="remediation_links.bulk_started", obj=job, livemode=job.livemode,
                     after={"accounts": len(ids), "filters": job.filters}, request_meta=request_meta)
        transaction.on_commit(lambda: enqueue(job))
    return job


def enqueue(job: BulkRemediation) -> None:
    from .tasks import send_bulk_remediation

    send_bulk_remediation.delay(job.pk)


def run(job_id: int, *, limit: int | None = None) -> int:
    """Work through the job's pending items (at most `limit`); returns how many this call did.
    Finishes the job when none is left."""
    done = 0
    while limit is None or done < limit:
        batch = _claim(job_id, BATCH if limit is None else min(BATCH, limit - done))
        if batch is None:
            break
        done += batch
    if limit is None or done < limit:
        finish(job_id)
    return done


def _claim(job_id: int, size: int) -> int | None:
    """Process up to `size` pending items, each in its own transaction; None when none is left."""
    pending = list(
        BulkRemediationItem.objects.filter(job_id=job_id, status=BulkRemediationItem.Status.PENDING)
        .order_by("pk").values_list("pk", flat=True)[:size]
    )
    if not pending:
        return None
    job = BulkRemediation.objects.select_related("created_by__platform", "created_by__user").get(pk=job_id)
    for pk in pending:
        _one(job, pk)
    BulkRemediation.objects.filter(pk=job_id).update(progressed_at=timezone.now())
    return len(pending)


def _one(job: BulkRemediation, item_pk: int) -> None:
    with transaction.atomic():
        locked = BulkRemediationItem.objects.filter(pk=item_pk, status=BulkRemediationItem.Status.PENDING)
        if db_connection.features.has_select_for_update_skip_locked:
            locked = locked.select_for_update(skip_locked=True)  # another worker has it: leave it
        item = locked.first()
        if item is None:
            return
        status, reason = _send(job, item.connection_id)
        item.status, item.reason, item.processed_at = status, reason[:200], timezone.now()
        item.save(update_fields=["status", "reason", "processed_at"])


def _send(job: BulkRemediation, connection_id: int) -> tuple[str, str]:
    """Send one account its link, or say why not. The link, its email and the item's status commit
    together (the caller's transaction)."""
    connection = Connection.objects.select_related("account", "platform").get(pk=connection_id)
    if not connection.account.email:
        return BulkRemediationItem.Status.SKIPPED, NO_EMAIL
    if not connection.actions_required and not connection.currently_due_count and not connection.past_due_count:
        return BulkRemediationItem.Status.SKIPPED, NOTHING_DUE
    if job.created_by is None:
        return BulkRemediationItem.Status.FAILED, "The operator who started this send no longer exists."
    try:
        with transaction.atomic():
            services.create_remediation_link(actor=job.created_by, connection=connection,
                                             request_meta={"bulk": job.public_id})
    except (AccountError, NotAllowed) as error:  # the service's own refusal, in its words
        return BulkRemediationItem.Status.SKIPPED, str(error)
    except Exception as error:  # noqa: BLE001 - one account's failure must not stop the others
        return BulkRemediationItem.Status.FAILED, f"{type(error).__name__}: {error}"[:200]
    return BulkRemediationItem.Status.SENT, ""


def finish(job_id: int) -> None:
    """Mark the job done once no item is pending, and audit it once, with its members."""
    with transaction.atomic():
        job = BulkRemediation.objects.select_for_update().select_related("platform").get(pk=job_id)
        if job.status == BulkRemediation.Status.DONE or job.items.filter(status=BulkRemediationItem.Status.PENDING).exists():
            return
        job.status, job.finished_at = BulkRemediation.Status.DONE, timezone.now()
        job.save(update_fields=["status", "finished_at"])
        members = {status: list(ids) for status, ids in _members(job).items()}
        record_audit(actor=job.created_by, platform=job.platform, action="remediation_links.bulk_finished", obj=job,
                     livemode=job.livemode,
                     after={**{status: len(ids) for status, ids in members.items()}, "accounts": members})


def _members(job: BulkRemediation) -> dict[str, list[str]]:
    members: dict[str, list[str]] = {}
    for status, public_id in job.items.values_list("status", "connection__account__public_id").order_by("pk"):
        members.setdefault(status, []).append(public_id)
    return members


def resume_if_stalled(job: BulkRemediation) -> bool:
    """Queue the job again when it has pending items and nothing moved for STALLED_AFTER (its
    worker died); processing is per item and exactly once, so a second runner does no harm."""
    if job.status != BulkRemediation.Status.RUNNING or timezone.now() - job.progressed_at < STALLED_AFTER:
        return False
    updated = BulkRemediation.objects.filter(pk=job.pk, progressed_at=job.progressed_at).update(progressed_at=timezone.now())
    if updated:
        enqueue(job)
    return bool(updated)


def summary(job: BulkRemediation) -> dict:
    """Counts by status, the skip reasons with how many accounts each, and the failures."""
    counts = Counter(dict(job.items.order_by().values_list("status").annotate(n=Count("pk"))))
    reasons = Counter(
        job.items.filter(status=BulkRemediationItem.Status.SKIPPED).values_list("reason", flat=True)
    )
    failed = list(
        job.items.filter(status=BulkRemediationItem.Status.FAILED)
        .values_list("connection__account__public_id", "connection__account__name", "reason")[:50]
    )
    processed = job.total - counts[BulkRemediationItem.Status.PENDING]
    return {
        "sent": counts[BulkRemediationItem.Status.SENT],
        "skipped": counts[BulkRemediationItem.Status.SKIPPED],
        "failed": counts[BulkRemediationItem.Status.FAILED],
        "pending": counts[BulkRemediationItem.Status.PENDING],
        "processed": processed,
        "percent": round(100 * processed / job.total) if job.total else 100,
        "reasons": reasons.most_common(),
        "failures": failed,
    }
