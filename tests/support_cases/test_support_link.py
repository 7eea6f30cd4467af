"""The account-specific support link: remediation-link rules (domain.md §9) — 90 days, reusable any
number of visits, one active per account (a new one revokes the old), stored hashed; audited and
emailed through the outbox; shown once with a copy button."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.links import hash_token
from accounts.models import AccountLink, Connection
from platform_console.models import AuditEvent, OutboxEmail
from support_cases.errors import NotAllowed, SupportCaseError
from support_cases.services import issue_support_link
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def entry(client, token):
    return client.get(reverse("support_cases:hosted_entry", args=[token]))


def link_url(connection):
    return reverse("support_cases:issue_link", args=[connection.account.public_id])


def test_the_link_is_stored_hashed_and_lasts_90_days(admin, connection):
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        link, token = issue_support_link(actor=admin, connection=connection)
    assert link.kind == AccountLink.Kind.SUPPORT and link.public_id.startswith("slink_")
    assert link.token_hash == hash_token(token) and token not in link.token_hash
    assert link.expires_at == now + timedelta(days=90)


def test_the_link_is_reusable_any_number_of_times(client, admin, connection):
    link, token = issue_support_link(actor=admin, connection=connection)
    for _ in range(5):
        assert entry(Client(), token)["Location"] == reverse("support_cases:hosted_cases")
    link.refresh_from_db()
    assert link.visit_count == 5 and link.last_visited_at is not None and link.used_at is None


def test_the_link_expires_after_90_days(admin, connection):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _link, token = issue_support_link(actor=admin, connection=connection)
    with time_machine.travel(start + timedelta(days=90) - timedelta(seconds=1), tick=False):
        assert entry(Client(), token).status_code == 302
    with time_machine.travel(start + timedelta(days=90), tick=False):
        response = entry(Client(), token)
        assert response.status_code == 410 and "This link has expired" in response.content.decode()


def test_an_open_session_stops_working_when_the_link_expires(holder, connection):
    assert holder.get(reverse("support_cases:hosted_cases")).status_code == 200
    # (The session itself ends sooner than the link; the link is simply opened again.)
    AccountLink.objects.filter(connection=connection).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = holder.get(reverse("support_cases:hosted_cases"))
    assert response.status_code == 410 and "expired" in response.content.decode()


def test_a_new_link_revokes_the_old_one(admin, connection):
    old, old_token = issue_support_link(actor=admin, connection=connection)
    new, new_token = issue_support_link(actor=admin, connection=connection)
    old.refresh_from_db()
    assert old.revoked_at is not None and new.revoked_at is None
    response = entry(Client(), old_token)
    assert response.status_code == 410 and "This link has been replaced" in response.content.decode()
    assert entry(Client(), new_token).status_code == 302
    assert (
        AccountLink.objects.filter(connection=connection, kind="support", revoked_at__isnull=True).count()
        == 1
    )


def test_a_new_link_ends_a_session_opened_with_the_old_one(holder, admin, connection):
    issue_support_link(actor=admin, connection=connection)
    assert holder.get(reverse("support_cases:hosted_cases")).status_code == 410


def test_a_support_link_leaves_other_kinds_of_links_alone(admin, connection):
    from accounts.links import new_link

    onboarding, _ = new_link(connection=connection, kind="onboarding", lifetime=timedelta(days=7))
    issue_support_link(actor=admin, connection=connection)
    onboarding.refresh_from_db()
    assert onboarding.revoked_at is None


def test_an_unknown_token_reveals_nothing(client, admin, connection):
    issue_support_link(actor=admin, connection=connection)
    response = entry(client, "not-a-real-token")
    page = response.content.decode()
    assert response.status_code == 404 and "This link isn" in page
    for secret in [
        connection.platform.name,
        connection.account.display_name,
        connection.account.public_id,
        connection.account.email,
    ]:
        assert secret not in page
    assert client.get(reverse("support_cases:hosted_cases")).status_code == 404


def test_an_onboarding_token_does_not_open_the_support_page(client, admin, connection):
    from accounts.links import new_link

    _link, token = new_link(connection=connection, kind="onboarding", lifetime=timedelta(days=7))
    assert entry(client, token).status_code == 404


def test_the_support_page_without_a_link_in_the_session_reveals_nothing(client, connection):
    response = client.get(reverse("support_cases:hosted_cases"))
    assert response.status_code == 404 and connection.platform.name not in response.content.decode()


def test_a_removed_account_cannot_use_its_link(admin, connection):
    _link, token = issue_support_link(actor=admin, connection=connection)
    Connection.objects.filter(pk=connection.pk).update(lifecycle_state="removed")
    assert entry(Client(), token).status_code == 404


def test_the_link_is_emailed_to_the_account_after_the_commit(admin, connection, run_on_commit):
    with run_on_commit():
        _link, token = issue_support_link(actor=admin, connection=connection)
    sent = mail.outbox[0]
    assert sent.to == [connection.account.email] and f"/support-link/{token}/" in sent.body
    # The bearer link is not kept in the outbox once sent.
    assert "url" not in OutboxEmail.objects.get().context


def test_issuing_is_audited(admin, connection):
    link, _ = issue_support_link(actor=admin, connection=connection)
    event = AuditEvent.objects.get(action="support_link.issued")
    assert event.actor == admin and event.object_id == link.public_id
    assert event.account_public_id == connection.account.public_id


@pytest.mark.parametrize(
    "role, allowed",
    [("admin", True), ("developer", True), ("support", True), ("analyst", False), ("viewer", False)],
)
def test_who_may_send_a_support_link(member, connection, role, allowed):
    if allowed:
        issue_support_link(actor=member(role), connection=connection)
    else:
        with pytest.raises(NotAllowed):
            issue_support_link(actor=member(role), connection=connection)
    assert AccountLink.objects.filter(kind="support").exists() is allowed


def test_accounts_without_dashboard_access_get_no_support_link(admin, platform):
    with pytest.raises(SupportCaseError):
        issue_support_link(actor=admin, connection=ConnectionFactory(platform=platform, custom=True))
    assert not AccountLink.objects.exists()


def test_the_panel_shows_the_new_link_once_with_a_copy_button(operator_client, support, connection):
    client = operator_client(support)
    response = client.post(link_url(connection), headers=HX)
    page = response.content.decode()
    link = AccountLink.objects.get(kind="support")
    assert response.status_code == 200 and 'data-testid="support-url"' in page and "data-copy=" in page
    assert "/support-link/" in page and link.token_hash not in page
    assert json.loads(response["HX-Trigger"]) == {
        "show-toast": f"Support link emailed to {connection.account.email}"
    }
    detail = client.get(reverse("accounts:detail", args=[connection.account.public_id])).content.decode()
    assert 'data-testid="support-url"' not in detail and "/support-link/" not in detail
    assert "Send a new support link" in detail


def test_without_htmx_the_new_link_is_shown_on_its_own_page(operator_client, support, connection):
    response = operator_client(support).post(link_url(connection))
    assert response.status_code == 200 and "/support-link/" in response.content.decode()


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_a_forged_link_request_is_refused(operator_client, member, connection, role):
    assert operator_client(member(role)).post(link_url(connection), headers=HX).status_code == 403
    assert not AccountLink.objects.exists() and not OutboxEmail.objects.exists()


def test_a_link_for_another_platforms_account_is_not_found(operator_client, support, other_platform):
    foreign = ConnectionFactory(platform=other_platform)
    assert operator_client(support).post(link_url(foreign)).status_code == 404
    assert not AccountLink.objects.exists()
