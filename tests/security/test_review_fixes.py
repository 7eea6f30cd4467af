"""Regression tests for the findings of the code review."""

import pytest
from django.urls import reverse

from accounts.errors import NotAllowed
from accounts.management_services import set_capabilities, update_profile
from accounts.models import Account, Capability, Person
from accounts.services import save_payout_account, save_person
from money import magic
from money.currency import AmountError, parse_amount
from platform_console.models import AuditEvent
from requirements_engine.services import create_remediation_link
from support_cases.models import SupportCase
from tests.factories import ConnectionFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("text", ["12,50", "1,2", "1,25,0"])
def test_a_decimal_comma_is_refused_not_read_as_thousands(text):
    with pytest.raises(AmountError, match="point for decimals"):
        parse_amount(text, "eur")


def test_thousands_separators_still_work():
    assert parse_amount("1,250.50", "usd") == 125050 and parse_amount("12,500", "jpy") == 12500


@pytest.mark.parametrize("text", ["1e999999", "9" * 60])
def test_absurd_amounts_are_a_message_not_a_crash(text):
    with pytest.raises(AmountError):
        parse_amount(text, "usd")


def test_services_refuse_another_platforms_account(admin, other_platform):
    theirs = ConnectionFactory(platform=other_platform, custom=True)
    Capability.objects.create(connection=theirs, name="transfers")
    for call in (lambda: update_profile(actor=admin, connection=theirs, data={"name": "Hijacked"}),
                 lambda: set_capabilities(actor=admin, connection=theirs, requested={"transfers"}),
                 lambda: create_remediation_link(actor=admin, connection=theirs)):
        with pytest.raises(NotAllowed):
            call()
    assert Account.objects.get(pk=theirs.account_id).name != "Hijacked"


def test_a_payout_card_saved_in_onboarding_is_recognised_as_a_magic_number(admin, platform):
    connection = ConnectionFactory(platform=platform, custom=True)
    external = save_payout_account(connection=connection, actor=admin,
                                   data={"kind": "card", "card_number": "4000056655665572", "exp_month": 12,
                                         "exp_year": 2031})
    assert magic.magic_number(external) == "4000056655665572"


def test_the_audit_trail_keeps_no_birth_dates_or_addresses(admin, platform):
    from datetime import date

    connection = ConnectionFactory(platform=platform, custom=True)
    save_person(connection=connection, role="representative", actor=admin,
                data={"first_name": "Maria", "dob": date(1980, 5, 17), "address_line1": "1 Main St"})
    event = AuditEvent.objects.get(action="representative.saved")
    assert "1980" not in str(event.after) and "Main St" not in str(event.after)
    assert event.after["dob"] == "(changed)" and event.after["first_name"] == "Maria"


def test_an_individual_account_gets_no_second_representative(operator_client, admin, platform):
    connection = ConnectionFactory(platform=platform, custom=True, account__business_type="individual")
    Person.objects.create(account=connection.account, first_name="Solo", is_account_individual=True,
                          is_representative=True)
    response = operator_client(admin).post(reverse("accounts:person_add", args=[connection.account.public_id]),
                                           {"first_name": "Two", "last_name": "Reps", "is_representative": "on",
                                            "dob": "1980-01-01"})
    assert response.status_code == 422 and "no separate representative" in response.content.decode()


@pytest.mark.parametrize("value", ["", "abc", "9" * 30])
def test_team_actions_with_junk_ids_are_404_not_500(operator_client, admin, value):
    assert operator_client(admin).post(reverse("team"), {"action": "remove", "member": value}).status_code == 404


def test_view_as_respects_support_case_visibility(operator_client, admin, platform):
    from django.utils import timezone

    connection = ConnectionFactory(platform=platform, account__shares_support_cases=False)
    SupportCase.objects.create(platform=platform, connection=connection, subject="Secret case",
                               description="x", category="other", opened_at=timezone.now(), updated_at=timezone.now())
    client = operator_client(admin)
    client.post(reverse("accounts:view_as_start", args=[connection.account.public_id]))
    html = client.get(reverse("view_as:support")).content.decode()
    assert "Secret case" not in html and "not shown" in html


def test_view_as_money_and_the_balance_column_need_the_balances_permission(operator_client, platform):
    support = MembershipFactory(platform=platform, roles=["support_specialist"])
    connection = ConnectionFactory(platform=platform, express=True)
    client = operator_client(support)
    assert "Available balance" not in client.get(reverse("accounts:list")).content.decode()
    client.post(reverse("accounts:view_as_start", args=[connection.account.public_id]))
    assert 'data-testid="view-as-balances"' not in client.get(reverse("view_as:home")).content.decode()


def test_re_authentication_guesses_count_towards_the_lockout(operator_client, admin):
    import time

    from money.models import TopUp
    from platform_console.security import SESSION_AUTH_AT

    client = operator_client(admin)
    session = client.session
    session[SESSION_AUTH_AT] = int(time.time()) - 3600
    session.save()
    data = {"amount": "5.00", "currency": "usd", "idempotency_key": "k-guess", "step": "confirm"}
    for _ in range(5):
        client.post(reverse("money:add_to_balance"), {**data, "reauth-password": "guess"}, headers={"HX-Request": "true"})
    response = client.post(reverse("money:add_to_balance"), {**data, "reauth-password": "pw"},
                           headers={"HX-Request": "true"})
    # Slowed down, even with the right password: the dialog says how long to wait.
    assert response.status_code == 422 and not TopUp.objects.exists()
    assert "Too many failed tries for this account" in response.content.decode()
