import pytest
from django.urls import reverse

from accounts.models import Account, AccountLink, Capability, Connection
from platform_console.models import AuditEvent
from tests.factories import ConnectionFactory, MembershipFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def full(platform):
    connection = ConnectionFactory(platform=platform, account__name="Standalone Studio", metadata={"ref": "S-1"},
                                   payout_interval="weekly", payout_weekly_anchor="friday")
    Capability.objects.create(connection=connection, name="transfers", status="active")
    AccountLink.objects.create(connection=connection, kind="remediation", token_hash="x" * 64,
                               expires_at=connection.created_at)
    return connection


def url(c):
    return reverse("accounts:remove", args=[c.account.public_id])


def test_the_dialog_explains_the_consequences(operator_client, admin, full):
    html = operator_client(admin).get(url(full), headers=HTMX).content.decode()
    assert html.lstrip().startswith("<dialog") and "deleted permanently" in html and "Remove account" in html
    assert Connection.objects.get(pk=full.pk).lifecycle_state == "active"


def test_removal_disconnects_and_deletes_platform_settings(operator_client, admin, full):
    response = operator_client(admin).post(url(full), headers=HTMX)
    assert response["HX-Redirect"] == reverse("accounts:list")
    connection = Connection.objects.get(pk=full.pk)
    assert connection.lifecycle_state == "removed" and connection.removed_at
    assert connection.metadata == {} and connection.payout_interval == "daily" and connection.payout_weekly_anchor == ""
    assert not Capability.objects.filter(connection=connection).exists()
    assert not AccountLink.objects.filter(connection=connection).exists()
    assert Account.objects.filter(pk=full.account_id).exists()  # the business keeps existing
    event = AuditEvent.objects.get(action="account.removed")
    assert event.before["metadata"] == {"ref": "S-1"} and event.actor == admin


def test_a_removed_account_is_gone_from_list_and_search(operator_client, admin, full):
    client = operator_client(admin)
    client.post(url(full))
    client.get(reverse("accounts:list"))  # the page that shows the "was removed" message
    for params in [{}, {"q": "Standalone"}, {"q": full.account.public_id}, {"q": "ref:S-1"}]:
        html = client.get(reverse("accounts:list"), params).content.decode()
        assert 'data-testid="account-row"' not in html and "Standalone Studio" not in html


def test_every_page_and_action_is_refused_with_a_clear_message(operator_client, admin, full):
    client = operator_client(admin)
    client.post(url(full))
    account_id = full.account.public_id
    for name in ["accounts:detail", "accounts:activity", "accounts:profile", "accounts:capabilities",
                 "accounts:payout_schedule", "accounts:remove", "money:account_balances"]:
        response = client.get(reverse(name, args=[account_id]))
        assert response.status_code == 410 and "This account was removed" in response.content.decode(), name
    assert client.post(reverse("accounts:profile", args=[account_id]), {"name": "x"}).status_code == 410
    assert client.post(reverse("money:pull_funds", args=[account_id])).status_code == 410


def test_reconnecting_starts_from_fresh_settings(operator_client, admin, full, platform):
    operator_client(admin).post(url(full))
    again = ConnectionFactory(platform=platform, account=full.account)
    assert again.pk != full.pk and again.metadata == {} and again.payout_interval == "daily"
    assert not Capability.objects.filter(connection=again).exists()
    html = operator_client(admin).get(reverse("accounts:detail", args=[full.account.public_id])).content.decode()
    assert "S-1" not in html


def test_only_full_dashboard_accounts_can_be_removed(operator_client, admin, platform):
    express = ConnectionFactory(platform=platform, express=True)
    page = operator_client(admin).get(reverse("accounts:detail", args=[express.account.public_id])).content.decode()
    assert 'data-testid="remove-account-disabled"' in page and "Only accounts with full Dashboard access" in page
    operator_client(admin).post(url(express))
    assert Connection.objects.get(pk=express.pk).lifecycle_state == "active"


@pytest.mark.parametrize("role", ["developer", "support_specialist", "analyst", "view_only"])
def test_only_administrators_remove(operator_client, platform, full, role):
    client = operator_client(MembershipFactory(platform=platform, roles=[role]))
    assert client.post(url(full)).status_code == 403
    assert Connection.objects.get(pk=full.pk).lifecycle_state == "active"
    page = client.get(reverse("accounts:detail", args=[full.account.public_id])).content.decode()
    assert "Only Administrators can remove accounts." in page
