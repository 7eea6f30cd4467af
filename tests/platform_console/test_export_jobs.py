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


def test_another_platforms_or_modes_job_is_not_found_and_other_roles_are_refused(operator_client, admin, viewer, job,
                                                                                  other_platform):
    url = reverse("export_detail", args=[job.public_id])
    assert operator_client(viewer).get(url).status_code == 403
    theirs = MembershipFactory(platform=other_platform, roles=["admin"])
    assert operator_client(theirs).get(url).status_code == 404
    client = operator_client(admin)
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
