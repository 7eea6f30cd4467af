"""Export of the Connected accounts list: CSV with the current filters and search, streamed,
formula-safe, audited, for the roles with accounts.export."""

import csv
import io

import pytest
from django.urls import reverse

from accounts import views
from platform_console.models import AuditEvent
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


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


def test_a_list_over_the_limit_is_refused_with_the_way_to_narrow_it(operator_client, analyst, listed, monkeypatch):
    monkeypatch.setattr(views, "EXPORT_LIMIT", 2)
    client = operator_client(analyst)
    response = client.get(reverse("accounts:export") + "?q=example")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:list") + "?q=example"
    assert "Exports are limited to 2 accounts" in client.get(response["Location"]).content.decode()
    assert not AuditEvent.objects.filter(action="accounts.exported").exists()
