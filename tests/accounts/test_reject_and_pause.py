"""Reject account and Pause payouts / Resume payouts, in the account's ⋯ menu (Administrators)."""

import pytest
from django.urls import reverse

from accounts.models import Capability, Connection
from money import rules as money_rules
from platform_console.models import AuditEvent
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.fixture
def active(platform):
    connection = ConnectionFactory(platform=platform, account__name="Nimbus Labs", payouts_enabled=True)
    for name in ("card_payments", "transfers"):
        Capability.objects.create(connection=connection, name=name, requested=True, status="active")
    return connection


def url(name, connection):
    return reverse(f"accounts:{name}", args=[connection.account.public_id])


def test_the_menu_offers_both_to_an_administrator_and_explains_them_to_others(operator_client, admin, analyst,
                                                                             active):
    detail = reverse("accounts:detail", args=[active.account.public_id])
    html = operator_client(admin).get(detail).content.decode()
    assert 'data-testid="reject-account"' in html and 'data-testid="pause_payouts"' in html
    html = operator_client(analyst).get(detail).content.decode()
    assert "Only Administrators can reject accounts." in html
    assert "Only Administrators can pause or resume payouts." in html


def test_rejecting_needs_a_reason_then_disables_the_account_for_good(operator_client, admin, active):
    client = operator_client(admin)
    dialog = client.get(url("reject", active), headers=HX).content.decode()
    assert "This cannot be undone." in dialog and '<option value="fraud">Fraud</option>' in dialog
    response = client.post(url("reject", active), {"reason": ""}, headers=HX)
    assert response.status_code == 422 and "Choose why the account is rejected." in response.content.decode()
    response = client.post(url("reject", active), {"reason": "terms_of_service"}, headers=HX)
    assert response.status_code == 200 and response["HX-Redirect"].endswith(f"/{active.account.public_id}/")
    active.refresh_from_db()
    assert active.lifecycle_state == "rejected" and active.disabled_reason == "rejected.terms_of_service"
    assert set(active.capabilities.values_list("status", flat=True)) == {"disabled"}
    assert "has been rejected" in money_rules.transfer_refusal(active).message
    event = AuditEvent.objects.get(action="account.rejected")
    assert event.after == {"lifecycle_state": "rejected", "reason": "terms_of_service"} and event.actor == admin
    again = client.post(url("reject", active), {"reason": "fraud"}, headers=HX)
    assert again.status_code == 422 and "already been rejected" in again.content.decode()


def test_pausing_stops_payouts_until_they_are_resumed(operator_client, admin, active):
    client = operator_client(admin)
    assert "Its balance stays" in client.get(url("pause_payouts", active), headers=HX).content.decode()
    assert client.post(url("pause_payouts", active), {}, headers=HX).status_code == 200
    active.refresh_from_db()
    assert active.payouts_paused and "paused" in money_rules.payouts_refusal(active).message
    detail = client.get(reverse("accounts:detail", args=[active.account.public_id])).content.decode()
    assert 'data-testid="resume_payouts"' in detail and 'data-testid="pause_payouts"' not in detail
    twice = client.post(url("pause_payouts", active), {}, headers=HX)
    assert twice.status_code == 422 and "already paused" in twice.content.decode()
    assert client.post(url("resume_payouts", active), {}, headers=HX).status_code == 200
    active.refresh_from_db()
    assert not active.payouts_paused
    assert list(AuditEvent.objects.filter(action__startswith="payouts.").order_by("pk")
                .values_list("action", flat=True)) == ["payouts.paused", "payouts.resumed"]


@pytest.mark.parametrize("name", ["reject", "pause_payouts"])
def test_other_roles_are_refused_and_nothing_changes(operator_client, analyst, active, name):
    response = operator_client(analyst).post(url(name, active), {"reason": "fraud"}, headers=HX)
    assert response.status_code == 403
    assert Connection.objects.filter(pk=active.pk, lifecycle_state="active", payouts_paused=False).exists()
