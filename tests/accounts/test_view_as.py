import pytest
from django.urls import reverse

from accounts.models import Account
from platform_console.models import AuditEvent
from tests.factories import AccountFactory, ConnectionFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def acting(operator_client, admin, custom_account):
    client = operator_client(admin)
    response = client.post(reverse("accounts:view_as_start", args=[custom_account.account.public_id]))
    assert response["Location"] == reverse("view_as:home")
    return client


def test_starting_is_audited_and_shows_the_banner(acting, custom_account):
    event = AuditEvent.objects.get(action="view_as.started")
    assert event.account_public_id == custom_account.account.public_id
    assert event.view_as_account == custom_account.account.public_id
    html = acting.get(reverse("view_as:home")).content.decode()
    assert 'data-testid="view-as-banner"' in html and "Acme Bakery" in html and "read-only" in html


@pytest.mark.parametrize("page", ["home", "payouts", "profile", "support"])
def test_every_account_page_renders_and_is_audited(acting, page):
    response = acting.get(reverse(f"view_as:{page}"))
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="view_as.page_viewed", after__page=page).exists()


def test_express_and_none_accounts_carry_the_note(acting):
    assert "not exactly what the account holder sees" in acting.get(reverse("view_as:home")).content.decode()


def test_a_full_dashboard_account_has_no_note(operator_client, admin, platform):
    full = ConnectionFactory(platform=platform)
    client = operator_client(admin)
    client.post(reverse("accounts:view_as_start", args=[full.account.public_id]))
    assert "not exactly what" not in client.get(reverse("view_as:home")).content.decode()


def test_writes_are_refused_while_acting(acting, custom_account):
    response = acting.post(reverse("accounts:profile", args=[custom_account.account.public_id]), {"name": "Hijack"})
    assert response.status_code == 403 and "Read-only" in response.content.decode()
    assert Account.objects.get(pk=custom_account.account_id).name == "Acme Bakery"
    assert acting.post(reverse("set_mode"), {"mode": "test"}).status_code == 403


def test_other_pages_redirect_to_the_accounts_dashboard(acting, platform):
    other = ConnectionFactory(platform=platform, account=AccountFactory(name="Other Shop"))
    for url in [reverse("accounts:list"), reverse("accounts:detail", args=[other.account.public_id]), reverse("home")]:
        response = acting.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("view_as:home")
    html = acting.get(reverse("view_as:home")).content.decode()
    assert "Other Shop" not in html


def test_htmx_requests_are_scoped_by_the_console_account_header(acting, custom_account, other_platform):
    foreign = ConnectionFactory(platform=other_platform, account=AccountFactory(name="Foreign Co"))
    response = acting.get(reverse("view_as:profile"),
                          headers={"HX-Request": "true", "Console-Account": foreign.account.public_id})
    assert response.status_code == 403 and "Foreign Co" not in response.content.decode()
    ok = acting.get(reverse("view_as:profile"),
                    headers={"HX-Request": "true", "Console-Account": custom_account.account.public_id})
    assert ok.status_code == 200 and "Acme Bakery" in ok.content.decode()


def test_the_header_cannot_turn_a_plain_request_into_view_as(operator_client, admin, other_platform):
    foreign = ConnectionFactory(platform=other_platform, account=AccountFactory(name="Foreign Co"))
    response = operator_client(admin).get(reverse("view_as:home"),
                                          headers={"HX-Request": "true", "Console-Account": foreign.account.public_id})
    assert response.status_code == 403


def test_exit_is_audited_and_returns_to_the_account(acting, custom_account):
    response = acting.post(reverse("view_as:exit"))
    assert response["Location"] == reverse("accounts:detail", args=[custom_account.account.public_id])
    assert AuditEvent.objects.filter(action="view_as.ended").exists()
    assert acting.get(reverse("accounts:list")).status_code == 200  # no longer acting


def test_view_as_pages_without_acting_go_back_to_the_list(operator_client, admin):
    assert operator_client(admin).get(reverse("view_as:home"))["Location"] == reverse("accounts:list")


@pytest.mark.parametrize("role", ["analyst", "view_only"])
def test_roles_without_view_as_cannot_start(operator_client, platform, custom_account, role):
    client = operator_client(MembershipFactory(platform=platform, roles=[role]))
    assert client.post(reverse("accounts:view_as_start", args=[custom_account.account.public_id])).status_code == 403
    assert not AuditEvent.objects.filter(action="view_as.started").exists()


def test_switching_mode_ends_viewing_as(acting, custom_account):
    session = acting.session
    session["console_livemode"] = False
    session.save()
    assert acting.get(reverse("accounts:list")).status_code == 200
