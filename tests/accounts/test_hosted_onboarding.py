from datetime import date

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import Account, AccountLink, Connection, ExternalAccount, Person
from accounts.services import PRESETS, create_account
from platform_console.models import AuditEvent
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def step(name):
    return reverse("onboard_step", args=[name])


@pytest.fixture
def holder(admin, run_on_commit):
    """A browser of the account holder, inside an onboarding link, for a US Express account."""
    with run_on_commit():
        connection, token = create_account(actor=admin, livemode=True, country="US", email="holder@acme.example",
                                           dashboard_type="express", **PRESETS["express"])
    mail.outbox.clear()
    browser = Client()
    browser.get(reverse("onboard_entry", args=[token]))
    browser.connection = connection
    browser.token = token
    return browser


COMPANY = {
    "legal_name": "Acme Bakery LLC", "name": "Acme Bakery", "url": "https://acme.example", "product_description": "",
    "mcc": "5462", "tax_id": "00-0000000", "phone": "+14155550100", "address_line1": "1 Market St",
    "address_city": "San Francisco", "address_state": "CA", "address_postal_code": "94103",
}
REPRESENTATIVE = {
    "first_name": "Maria", "last_name": "Garcia", "email": "maria@acme.example", "phone": "+14155550101",
    "dob": "1985-04-12", "title": "CEO", "address_line1": "2 Main St", "address_city": "Oakland",
    "address_state": "CA", "address_postal_code": "94607", "ssn_last_4": "0000", "is_owner": "on",
    "percent_ownership": "60",
}
BANK = {"kind": "bank_account", "account_holder_name": "Acme Bakery LLC", "routing_number": "110000000",
        "account_number": "000123456789"}


def test_a_company_completes_every_step_and_connects(holder, admin, run_on_commit):
    assert holder.post(step("business_type"), {"business_type": "company"})["Location"] == step("business_details")
    assert holder.post(step("business_details"), COMPANY)["Location"] == step("representative")
    assert holder.post(step("representative"), REPRESENTATIVE)["Location"] == step("owners")
    holder.post(step("owners"), {"action": "add_owner", "first_name": "Chen", "last_name": "Wang",
                                 "email": "chen@acme.example", "dob": "1979-01-02", "percent_ownership": "40",
                                 "address_line1": "3 Pine St", "address_city": "Oakland", "address_state": "CA",
                                 "address_postal_code": "94607", "ssn_last_4": "0000"})
    assert Person.objects.filter(first_name="Chen", percent_ownership=40, is_owner=True,
                                 ssn_last_4_provided=True).exists()
    assert holder.post(step("owners"), {"action": "continue", "owners_provided": "on"})["Location"] == step("payout_account")
    assert holder.post(step("payout_account"), BANK)["Location"] == step("review")
    review = holder.get(step("review")).content.decode()
    assert "Acme Bakery LLC" in review and "Maria Garcia" in review and "Still missing" not in review
    with run_on_commit():
        response = holder.post(step("review"), {"accept_terms": "on"}, REMOTE_ADDR="203.0.113.9",
                               HTTP_USER_AGENT="HolderBrowser/1.0")
    assert response["Location"] == reverse("onboard_done")
    assert "connected to Rocket Rides" in holder.get(reverse("onboard_done")).content.decode()

    connection = Connection.objects.get(pk=holder.connection.pk)
    assert connection.lifecycle_state == "active" and connection.details_submitted and connection.connected_at
    assert connection.tos_ip == "203.0.113.9" and connection.tos_user_agent == "HolderBrowser/1.0"
    assert AccountLink.objects.get(connection=connection).used_at is not None
    account = Account.objects.get(pk=connection.account_id)
    assert account.tax_id_provided and account.owners_provided and account.legal_name == "Acme Bakery LLC"
    rep = Person.objects.get(account=account, is_representative=True)
    assert rep.ssn_last_4_provided and rep.dob == date(1985, 4, 12)
    external = ExternalAccount.objects.get(account=account)
    assert external.last4 == "6789" and external.default_for_currency and "000123456789" not in external.fingerprint
    assert [m.to for m in mail.outbox] == [[admin.user.email]]
    assert "connected" in mail.outbox[0].subject
    assert AuditEvent.objects.filter(action="onboarding.completed", actor_label="account holder").exists()


def test_the_account_connected_email_goes_to_every_administrator_only(holder, platform, admin, run_on_commit):
    MembershipFactory(platform=platform, roles=["admin"], user__email="second-admin@x.test")
    MembershipFactory(platform=platform, roles=["developer"], user__email="dev@x.test")
    holder.post(step("business_type"), {"business_type": "individual"})
    holder.post(step("business_details"), {"url": "https://jamie.example", "mcc": "7230"})
    holder.post(step("personal_details"), {k: v for k, v in REPRESENTATIVE.items() if k not in ("title", "is_owner", "percent_ownership")})
    holder.post(step("payout_account"), {"kind": "card", "card_number": "4000056655665556", "exp_month": "12", "exp_year": "2030"})
    with run_on_commit():
        holder.post(step("review"), {"accept_terms": "on"})
    assert sorted(m.to[0] for m in mail.outbox) == sorted([admin.user.email, "second-admin@x.test"])


def test_a_closed_browser_resumes_at_the_first_unfinished_step(holder):
    holder.post(step("business_type"), {"business_type": "company"})
    holder.post(step("business_details"), COMPANY)
    fresh = Client()
    response = fresh.get(reverse("onboard_entry", args=[holder.token]))
    assert response["Location"] == step("representative")
    html = fresh.get(step("business_details")).content.decode()
    assert 'value="Acme Bakery LLC"' in html and "00-0000000" not in html


@pytest.mark.parametrize(
    "name,data,field,message",
    [
        ("business_type", {"business_type": "pirate"}, "business_type", "Select a valid choice"),
        ("business_details", {**COMPANY, "url": "http://acme.example"}, "url", "https://"),
        ("business_details", {**COMPANY, "tax_id": "12"}, "tax_id", "9 digits"),
        ("business_details", {**COMPANY, "address_postal_code": "ABC"}, "address_postal_code", "ZIP"),
        ("business_details", {**COMPANY, "address_state": "ZZ"}, "address_state", "state code"),
        ("business_details", {**COMPANY, "mcc": "0000"}, "mcc", "Select a valid choice"),
        ("business_details", {**COMPANY, "phone": "555"}, "phone", "international format"),
        ("representative", {**REPRESENTATIVE, "dob": "2015-01-01"}, "dob", "at least 18"),
        ("representative", {**REPRESENTATIVE, "dob": "2999-01-01"}, "dob", "future"),
        ("representative", {**REPRESENTATIVE, "ssn_last_4": "12a4"}, "ssn_last_4", "last 4 digits"),
        ("representative", {**REPRESENTATIVE, "percent_ownership": "101"}, "percent_ownership", "less than or equal to 100"),
        ("representative", {**REPRESENTATIVE, "percent_ownership": "-1"}, "percent_ownership", "greater than or equal to 0"),
        ("representative", {**REPRESENTATIVE, "email": "<script>"}, "email", "valid email"),
        ("payout_account", {**BANK, "routing_number": "123"}, "routing_number", "9 digits"),
        ("payout_account", {"kind": "card", "card_number": "4000056655665557", "exp_month": "1", "exp_year": "2031"}, "card_number", "valid debit card"),
        ("payout_account", {"kind": "card", "card_number": "4000056655665556", "exp_month": "1", "exp_year": "2020"}, "exp_year", "expired"),
    ],
)
def test_each_step_rejects_bad_input_next_to_the_field_and_saves_nothing(holder, name, data, field, message):
    holder.post(step("business_type"), {"business_type": "company"})
    account_before = Account.objects.filter(pk=holder.connection.account_id).values().get()
    persons_before = Person.objects.count()
    response = holder.post(step(name), data)
    html = response.content.decode()
    assert response.status_code == 422
    assert f'id="id_{field}_error"' in html and message in html
    assert Account.objects.filter(pk=holder.connection.account_id).values().get() == account_before
    assert Person.objects.count() == persons_before and not ExternalAccount.objects.exists()


def test_ownership_over_100_percent_is_refused(holder):
    holder.post(step("business_type"), {"business_type": "company"})
    holder.post(step("representative"), REPRESENTATIVE)  # 60 %
    owner = {"action": "add_owner", "first_name": "Chen", "last_name": "Wang", "email": "c@a.example",
             "dob": "1979-01-02", "percent_ownership": "50", "address_line1": "x", "address_city": "y",
             "address_state": "CA", "address_postal_code": "94607", "ssn_last_4": "0000"}
    response = holder.post(step("owners"), owner)
    assert response.status_code == 422 and "at most 100" in response.content.decode()
    assert Person.objects.filter(is_representative=False).count() == 0


def test_review_refuses_while_something_is_missing(holder):
    holder.post(step("business_type"), {"business_type": "company"})
    response = holder.post(step("review"), {"accept_terms": "on"})
    assert response.status_code == 422 and "still missing" in response.content.decode()
    assert Connection.objects.get(pk=holder.connection.pk).lifecycle_state == "invited"


def test_terms_must_be_accepted(holder):
    response = holder.post(step("review"), {})
    assert response.status_code == 422 and 'id="id_accept_terms_error"' in response.content.decode()


def test_hosted_pages_need_a_link(client):
    response = client.get(step("business_type"))
    assert response.status_code == 404 and "isn" in response.content.decode()


def test_hosted_steps_refuse_once_the_link_is_replaced(holder, admin):
    from accounts.services import issue_onboarding_link

    issue_onboarding_link(actor=admin, connection=holder.connection)
    response = holder.get(step("business_details"))
    assert response.status_code == 410 and "replaced" in response.content.decode()


def test_german_companies_are_asked_for_the_register_court(admin, client):
    _connection, token = create_account(actor=admin, livemode=True, country="DE", email="h@a.example",
                                        dashboard_type="express", capabilities=["transfers"], **PRESETS["express"])
    client.get(reverse("onboard_entry", args=[token]))
    client.post(step("business_type"), {"business_type": "company"})
    html = client.get(step("business_details")).content.decode()
    assert "Register court" in html and "Commercial register number" in html


@pytest.mark.parametrize("country,asked", [("US", True), ("GB", False)])
def test_the_owners_step_shows_every_field_the_rules_ask_of_owners(admin, platform, run_on_commit, country, asked):
    """Before, the template listed the owner fields by hand and never showed the SSN last 4 that US
    owners owe: onboarding ended "Restricted soon" with it currently due."""
    platform.country = country
    platform.save()
    with run_on_commit():
        _, token = create_account(actor=admin, livemode=False, country=country, email="o@acme.example",
                                  dashboard_type="express", business_type="company", **PRESETS["express"])
    browser = Client()
    browser.get(reverse("onboard_entry", args=[token]))
    html = browser.get(step("owners")).content.decode()
    assert ('name="ssn_last_4"' in html) is asked
    for name in ("first_name", "last_name", "email", "dob", "percent_ownership", "address_line1", "address_city",
                 "address_postal_code"):
        assert f'name="{name}"' in html


def test_every_step_but_the_first_has_a_back_link_to_the_one_before(holder):
    from itertools import pairwise

    from accounts import onboarding

    slugs = onboarding.step_slugs(holder.connection.account)  # the review step last
    first = holder.get(step(slugs[0])).content.decode()
    assert 'data-testid="step-back"' not in first
    for previous, current in pairwise(slugs):
        html = holder.get(step(current)).content.decode()
        assert f'href="{step(previous)}" data-testid="step-back">Back</a>' in html, current
