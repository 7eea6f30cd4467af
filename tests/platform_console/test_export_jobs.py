"""Exports too long to stream (platform_console/exports.py): the job's page, its file, who may
have it, a job whose operator lost the right, and files pruned after EXPORT_DAYS."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from platform_console import exports
from platform_console.models import ExportJob
from tests.factories import ConnectionFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def job(analyst, platform):
    ConnectionFactory.create_batch(3, platform=platform)
    return ExportJob.objects.create(platform=platform, livemode=True, created_by=analyst, kind="connected-accounts",
                                    params={}, total=3)


def test_a_running_job_polls_then_offers_its_file(operator_client, analyst, job):
    client = operator_client(analyst)
    page = client.get(reverse("export_detail", args=[job.public_id])).content.decode()
    assert 'hx-trigger="every 1s"' in page and "0 of 3 rows" in page and "export_download" not in page
    assert client.get(reverse("export_download", args=[job.public_id])).status_code == 404  # no file yet
    assert exports.run(job.pk) == "done"
    assert exports.run(job.pk) == "done"  # a second run (a retried task) changes nothing
    job.refresh_from_db()
    assert job.written == 3 and job.file.name.endswith(f"{job.public_id}.csv")
    page = client.get(reverse("export_detail", args=[job.public_id]), headers={"HX-Request": "true"}).content.decode()
    assert page.lstrip().startswith('<section id="export-progress"') and 'data-testid="export-file"' in page


def test_a_job_whose_operator_lost_the_right_fails_and_says_why(analyst, job):
    analyst.roles.clear()
    assert exports.run(job.pk) == "failed"
    job.refresh_from_db()
    assert not job.file and "may no longer export" in job.error


def test_only_its_operator_sees_an_export_and_never_another_platform_or_mode(operator_client, admin, support, job,
                                                                             other_platform, analyst):
    """The file holds the columns the starter's role showed (an analyst's has balances): nobody
    else reads it, not even a role that may export too (support: no balances)."""
    url = reverse("export_detail", args=[job.public_id])
    assert operator_client(support).get(url).status_code == 404
    assert operator_client(support).get(reverse("export_download", args=[job.public_id])).status_code == 404
    assert operator_client(analyst).get(url).status_code == 200
    theirs = MembershipFactory(platform=other_platform, roles=["admin"])
    assert operator_client(theirs).get(url).status_code == 404
    client = operator_client(analyst)
    session = client.session
    session["console_livemode"] = False
    session.save()
    assert client.get(url).status_code == 404


def test_jobs_and_their_files_go_after_the_days_they_are_kept(job, media):
    exports.run(job.pk)
    job.refresh_from_db()
    path = media / job.file.name
    assert path.exists()
    assert exports.prune() == 0
    assert exports.prune(now=timezone.now() + timedelta(days=exports.EXPORT_DAYS + 1)) == 1
    assert not path.exists() and not ExportJob.objects.exists()


def ready_emails():
    from platform_console.models import OutboxEmail

    return OutboxEmail.objects.filter(template="platform_console/email/export_ready").count()


def test_a_redelivered_task_writes_nothing_twice_and_a_failing_one_says_so(analyst, job, monkeypatch):
    ExportJob.objects.filter(pk=job.pk).update(claimed_at=timezone.now())  # a first worker is writing it
    assert exports.run(job.pk) == "running"  # the redelivered task leaves it alone
    job.refresh_from_db()
    assert not job.file and not ready_emails()
    ExportJob.objects.filter(pk=job.pk).update(claimed_at=timezone.now() - exports.LEASE * 2)  # that worker died
    job.refresh_from_db()
    assert exports.resume_if_stalled(job)  # queued again (in-process here): it finishes
    job.refresh_from_db()
    assert job.status == "done" and ready_emails() == 1

    broken = ExportJob.objects.create(platform=job.platform, livemode=True, created_by=analyst,
                                      kind="connected-accounts", params={}, total=3)
    monkeypatch.setattr(exports, "_write", lambda *args: 1 / 0)
    assert exports.run(broken.pk) == "failed"
    broken.refresh_from_db()
    assert "The export failed (ZeroDivisionError)" in broken.error and ready_emails() == 1
