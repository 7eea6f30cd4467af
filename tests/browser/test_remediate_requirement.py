from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Account, Capability, ExternalAccount, Person
from requirements_engine import services
from requirements_engine.models import FieldVerification, Requirement
from tests.factories import AccountFactory, ConnectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_remediates_a_requirement_from_the_actions_required_list(live_server, page, demo_operator, sign_in):
    platform = demo_operator("support_specialist", "support@demo.test")
    account = AccountFactory(country="US", business_type="company", name="Acme Bakery", legal_name="Acme Bakery LLC",
                             url="https://acme.example", mcc="5462", phone="", address_line1="1 Market St",
                             address_city="San Francisco", address_state="CA", address_postal_code="94103",
                             tax_id_provided=True, owners_provided=True)
    connection = ConnectionFactory(platform=platform, account=account, custom=True, tos_accepted_at=timezone.now())
    for name in ("card_payments", "transfers"):
        Capability.objects.create(connection=connection, name=name)
    Person.objects.create(account=account, first_name="Maria", last_name="Garcia", email="m@acme.example",
                          phone="+14155550101", dob="1985-04-12", title="", address_line1="2 Main St",
                          address_city="Oakland", address_state="CA", address_postal_code="94607",
                          ssn_last_4_provided=True, is_representative=True)
    ExternalAccount.objects.create(account=account, kind="bank_account", country="US", currency="usd", last4="6789",
                                   default_for_currency=True)
    for path in ("company.tax_id", "representative.dob", "representative.ssn_last_4"):
        FieldVerification.objects.create(platform=platform, connection=connection, path=path, status="verified")
    services.recompute(connection)  # the phone and the job title are now currently due
    Requirement.objects.filter(connection=connection, path="company.phone").update(
        first_due_at=timezone.now() - timedelta(days=45))
    services.recompute(connection)  # … and the phone is past due

    sign_in("support@demo.test")
    page.goto(f"{live_server.url}/accounts/{account.public_id}/")
    entries = page.get_by_test_id("actions-required").get_by_test_id("action-entry")
    expect(entries.nth(0)).to_contain_text("Business phone number")
    expect(entries.nth(0)).to_contain_text("Past due")
    expect(entries.nth(1)).to_contain_text("Representative's job title")
    expect(entries.nth(1)).to_contain_text("Currently due")
    expect(page.get_by_test_id("account-status")).to_have_text("Restricted")

    entries.nth(0).get_by_role("link").click()
    expect(page.get_by_test_id("requirement-title")).to_have_text("Business phone number")
    page.get_by_test_id("submit-information").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Phone").fill("12")
    dialog.get_by_role("button", name="Submit").click()
    expect(dialog.get_by_text("international format")).to_be_visible()
    dialog.get_by_label("Phone").fill("+14155550188")
    dialog.get_by_role("button", name="Submit").click()

    expect(page.get_by_test_id("account-name")).to_have_text("Acme Bakery")
    expect(page.get_by_test_id("actions-required")).not_to_contain_text("Business phone number")
    expect(page.get_by_test_id("actions-required")).to_contain_text("Representative's job title")
    expect(page.get_by_test_id("account-status")).to_have_text("Restricted soon")
    assert Account.objects.get(pk=account.pk).phone == "+14155550188"
