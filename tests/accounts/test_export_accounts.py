"""Export of the Connected accounts list: CSV with the current filters and search, streamed,
formula-safe, audited, for the roles with accounts.export."""

import csv
import io

import pytest
from django.urls import reverse

from platform_console.models import AuditEvent
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


def closed(response) -> None:
    """Close a file download as the test client does: its request_finished must not close the test's
    database connection (Django's close_old_connections listens to it)."""
    from django.core.signals import request_finished
    from django.db import close_old_connections

    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def rows(response) -> list[dict]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def listed(platform):
    ConnectionFactory(platform=platform, account__name="Acme Bakery", account__country="US", metadata={"ref": "A-1"})
    ConnectionFactory(platform=platform, account__name="Berlin Bikes", account__country="DE")
    ConnectionFactory(platform=platform, account__name="=HYPERLINK(\"http://evil\")", account__country="US")
    ConnectionFactory(platform=platform, livemode=False, account__name="Test Only")


def test_the_export_follows_the_lists_filters_and_is_audited(operator_client, analyst, listed):
    response = operator_client(analyst).get(reverse("accounts:export") + "?country=US")
    exported = rows(response)
    assert {r["name"] for r in exported} == {"Acme Bakery", "'=HYPERLINK(\"http://evil\")"}  # formula defused
    acme = next(r for r in exported if r["name"] == "Acme Bakery")
    assert acme["metadata"] == '{"ref": "A-1"}' and acme["available_balance"] == "0.00 USD"
    assert acme["id"].startswith("acct_") and acme["created"] and acme["dashboard_access"]
    assert 'filename="connected-accounts-live-' in response["Content-Disposition"]
    event = AuditEvent.objects.get(action="accounts.exported")
    assert event.after == {"filters": {"country": "US"}} and event.actor == analyst


def test_the_list_offers_export_to_roles_that_may_and_refuses_the_others(operator_client, analyst, viewer, listed):
    assert 'data-testid="export-accounts"' in operator_client(analyst).get(reverse("accounts:list")).content.decode()
    html = operator_client(viewer).get(reverse("accounts:list")).content.decode()
    assert 'data-testid="export-accounts"' not in html
    assert operator_client(viewer).get(reverse("accounts:export")).status_code == 403
    assert not AuditEvent.objects.filter(action="accounts.exported").exists()


def test_a_list_over_the_streaming_limit_becomes_a_job_with_a_download_and_an_email(
        operator_client, analyst, listed, monkeypatch, django_capture_on_commit_callbacks, mailoutbox, settings,
        tmp_path):
    from platform_console import exports as platform_exports
    from platform_console.models import ExportJob

    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(platform_exports, "STREAM_LIMIT", 1)
    client = operator_client(analyst)
    with django_capture_on_commit_callbacks(execute=True):  # the job runs in-process after the commit
        response = client.get(reverse("accounts:export") + "?q=example")
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("export_detail", args=[job.public_id])
    assert job.kind == "connected-accounts" and job.params == {"q": "example"} and job.total == 3
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="export-status">Done' in page and "every 1s" not in page
    download = client.get(reverse("export_download", args=[job.public_id]))
    text = b"".join(download.streaming_content).decode()
    closed(download)
    assert download["Content-Disposition"].startswith('attachment; filename="connected-accounts-live-')
    assert "Acme Bakery" in text and "Berlin Bikes" in text and "Test Only" not in text
    assert "'=HYPERLINK" in text  # made safe in the file too
    event = AuditEvent.objects.get(action="accounts.exported")
    assert event.after == {"filters": {"q": "example"}, "job": job.public_id, "rows": 3}
    (email,) = mailoutbox  # sent through the outbox, with the link to the export's page
    assert email.to == [analyst.user.email] and reverse("export_detail", args=[job.public_id]) in email.body

def test_the_export_can_hand_each_account_a_fresh_remediation_link(operator_client, admin, analyst, listed):
    from accounts.models import AccountLink
    from platform_console.models import OutboxEmail

    response = operator_client(admin).get(reverse("accounts:export") + "?country=US&remediation_links=1")
    exported = rows(response)
    links = {r["name"]: r["remediation_link"] for r in exported}
    assert set(links) == {"Acme Bakery", "'=HYPERLINK(\"http://evil\")"}
    assert all("/remediate/" in url for url in links.values())
    assert AccountLink.objects.filter(kind=AccountLink.Kind.REMEDIATION).count() == 2
    assert not OutboxEmail.objects.filter(template="requirements_engine/email/remediation_link").exists()
    created = AuditEvent.objects.filter(action="remediation_link.created")
    assert created.count() == 2 and all(event.after["emailed"] is False for event in created)
    assert AuditEvent.objects.get(action="accounts.exported").after["filters"]["remediation_links"] == "1"
    # A role that may export but not create remediation links gets neither the option nor the links.
    assert operator_client(analyst).get(reverse("accounts:export") + "?remediation_links=1").status_code == 403
    assert 'data-testid="export-with-links"' not in operator_client(analyst).get(reverse("accounts:list")).content.decode()
    assert 'data-testid="export-with-links"' in operator_client(admin).get(reverse("accounts:list")).content.decode()
