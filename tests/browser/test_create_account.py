import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import Connection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_developer_creates_an_express_account_and_the_holder_onboards(live_server, page, browser, demo_operator, sign_in, settings):
    settings.CONSOLE_SITE_URL = live_server.url
    demo_operator("admin", "admin@demo.test")
    demo_operator("developer", "developer@demo.test")
    sign_in("developer@demo.test")
    page.goto(f"{live_server.url}/accounts/")
    page.get_by_role("button", name="+ Create").or_(page.get_by_role("link", name="+ Create")).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Express").check()
    dialog.get_by_label("Email of the account holder").fill("holder@bakery.example")
    dialog.get_by_role("button", name="Continue").click()
    url_field = page.get_by_test_id("onboarding-url")
    expect(url_field).to_be_visible()
    page.get_by_role("button", name="Copy").click()
    expect(page.locator("#toast-region")).to_contain_text("Copied")
    link = url_field.input_value()
    assert "/onboard/" in link and link.startswith(live_server.url)

    holder = browser.new_context(viewport={"width": 420, "height": 900})
    hp = holder.new_page()
    hp.goto(link)
    hp.get_by_label("Individual or sole proprietor").check()
    hp.get_by_role("button", name="Continue").click()
    hp.get_by_label("Business website").fill("https://bakery.example")
    hp.get_by_label("Industry").select_option("5462")
    hp.get_by_role("button", name="Continue").click()
    for label, value in [("First name", "Jamie"), ("Last name", "Baker"), ("Email", "jamie@bakery.example"),
                         ("Phone", "+14155550100"), ("Date of birth", "1985-05-17"), ("Street address", "1 Market St"),
                         ("City", "Austin"), ("State", "TX"), ("Postal code", "73301"),
                         ("Last 4 digits of the Social Security number", "0000")]:
        hp.get_by_label(label, exact=True).fill(value)
    hp.get_by_role("button", name="Continue").click()
    hp.get_by_label("Account holder name").fill("Jamie Baker")
    hp.get_by_label("Routing number").fill("110000000")
    hp.get_by_label("Account number or IBAN").fill("000123456789")
    hp.get_by_role("button", name="Continue").click()
    expect(hp.get_by_role("heading", name="Review and submit")).to_be_visible()
    hp.get_by_label("I agree to the Services Agreement").check()
    hp.get_by_role("button", name="Agree and submit").click()
    expect(hp.get_by_test_id("onboarding-done")).to_contain_text("connected to Rocket Rides")
    holder.close()

    connection = Connection.objects.get(account__email="holder@bakery.example")
    page.goto(f"{live_server.url}/accounts/{connection.account.public_id}/")
    expect(page.get_by_test_id("account-name")).to_have_text("Jamie Baker")
    expect(page.get_by_test_id("onboarding-card")).to_have_count(0)
    assert connection.lifecycle_state == "active" and connection.details_submitted
    page.get_by_role("link", name="Activity").click()
    expect(page.get_by_test_id("activity-list")).to_contain_text("onboarding.completed")
    subjects = sorted(message.subject for message in mail.outbox)
    invitation = next(m for m in mail.outbox if "invited" in m.subject)
    assert link in invitation.body and invitation.to == ["holder@bakery.example"]
    assert subjects == ["Jamie Baker connected to Rocket Rides", "Rocket Rides invited you to set up your account"]


def start_company_onboarding(page, live_server, email: str, country: str = "") -> None:
    """+ Create a None-access account, open its onboarding and choose Company."""
    page.goto(f"{live_server.url}/accounts/")
    page.get_by_role("link", name="+ Create").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("None").check()
    if country:  # the dialog's country field shares its id with the list filter (issue 20): by name
        dialog.locator("select[name=country]").select_option(country)
    dialog.get_by_label("Email of the account holder").fill(email)
    dialog.get_by_role("button", name="Create").click()
    expect(page.get_by_test_id("finish-onboarding")).to_be_visible()
    page.get_by_test_id("finish-onboarding-start").click()
    page.get_by_label("Company", exact=True).check()
    page.get_by_role("button", name="Continue").click()


def test_developer_creates_a_none_access_account_and_finishes_onboarding(live_server, page, demo_operator, sign_in):
    demo_operator("developer", "developer@demo.test")
    sign_in("developer@demo.test")
    start_company_onboarding(page, live_server, "owner@shop.example")
    page.get_by_label("Legal business name").fill("Corner Shop LLC")
    page.get_by_label("Business website").fill("https://shop.example")
    page.get_by_label("Industry").select_option("5411")
    page.get_by_label("Employer Identification Number (EIN)").fill("000000000")
    page.get_by_label("Business phone").fill("+14155550100")
    for label, value in [("Street address", "9 Elm St"), ("City", "Austin"), ("State", "TX"), ("Postal code", "73301")]:
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Continue").click()
    for label, value in [("First name", "Ana"), ("Last name", "Ruiz"), ("Email", "ana@shop.example"),
                         ("Phone", "+14155550101"), ("Date of birth", "1980-01-01"), ("Job title", "Owner"),
                         ("Street address", "9 Elm St"), ("City", "Austin"), ("State", "TX"), ("Postal code", "73301"),
                         ("Last 4 digits of the Social Security number", "0000")]:
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("This person owns 25 % or more of the business").check()
    page.get_by_label("Ownership (%)").fill("100")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Everyone who owns 25 % or more of the business is listed").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("radio", name="Debit card").check()
    page.get_by_label("Debit card number").fill("4000056655665556")
    page.get_by_label("Expiry month").fill("12")
    page.get_by_label("Expiry year").fill("2031")
    page.get_by_role("button", name="Continue").click()
    page.get_by_test_id("submit-details").click()
    expect(page.get_by_text("Onboarding details submitted.")).to_be_visible()
    expect(page.get_by_test_id("finish-onboarding")).to_have_count(0)
    expect(page.get_by_test_id("owners-section")).to_contain_text("Ana Ruiz")
    assert Connection.objects.get(account__email="owner@shop.example").details_submitted


def test_a_dutch_company_is_created_onboarded_and_verified_in_test_mode(live_server, page, demo_operator, sign_in):
    """The Netherlands was added as data only (rules, field catalogue, payout minimum): KvK number,
    IBAN payouts without a routing number, EUR, SEPA Direct Debit among its capabilities."""
    from requirements_engine.models import FieldVerification, Requirement

    platform = demo_operator("developer", "developer@demo.test")
    platform.country, platform.default_currency = "NL", "eur"
    platform.save()
    sign_in("developer@demo.test")
    page.get_by_test_id("mode-switch").click()
    expect(page.locator(".test-band")).to_be_visible()
    start_company_onboarding(page, live_server, "eigenaar@fietsen.example", country="NL")
    page.get_by_label("Legal business name").fill("Fietsen B.V.")
    page.get_by_label("Business website").fill("https://accessible.stripe.com")
    page.get_by_label("Industry").select_option("5941")
    # The test-mode magic tax id passes before the KvK format (8 digits) is checked.
    page.get_by_label("KvK number (Chamber of Commerce)").fill("000000000")
    page.get_by_label("Business phone").fill("+31201234567")
    expect(page.get_by_label("State", exact=True)).to_have_count(0)
    for label, value in [("Street address", "address_full_match"), ("City", "Amsterdam"), ("Postal code", "1012 AB")]:
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Continue").click()
    for label, value in [("First name", "Sanne"), ("Last name", "de Vries"), ("Email", "sanne@fietsen.example"),
                         ("Phone", "+31201234568"), ("Date of birth", "1902-01-01"), ("Job title", "Directeur"),
                         ("Street address", "address_full_match"), ("City", "Amsterdam"), ("Postal code", "1012 AB")]:
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("This person owns 25 % or more of the business").check()
    page.get_by_label("Ownership (%)").fill("100")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Everyone who owns 25 % or more of the business is listed").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_label("Sort code / bank code")).to_have_count(0)
    page.get_by_label("Account holder name").fill("Fietsen B.V.")
    page.get_by_label("IBAN").fill("NL00 0000")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".field-error")).to_contain_text("Dutch IBAN")
    page.get_by_label("IBAN").fill("NL91 ABNA 0417 1643 00")
    page.get_by_role("button", name="Continue").click()
    page.get_by_test_id("submit-details").click()
    expect(page.get_by_text("Onboarding details submitted.")).to_be_visible()

    connection = Connection.objects.get(account__email="eigenaar@fietsen.example")
    assert connection.livemode is False and connection.account.default_currency == "eur"
    checks = dict(FieldVerification.objects.filter(connection=connection).values_list("path", "status"))
    assert checks["company.tax_id"] == "verified" and checks["representative.dob"] == "verified"
    # Only the holder's acceptance of the terms is due: an operator cannot give it on their behalf.
    due = Requirement.objects.filter(connection=connection, currently_due=True, is_future=False)
    assert list(due.values_list("path", flat=True)) == ["tos_acceptance.date"]
    expect(page.get_by_test_id("action-entry").first).to_contain_text("Acceptance of the Services Agreement")
    page.get_by_test_id("edit-capabilities").click()
    form = page.locator("#capabilities-section")
    expect(form.get_by_label("SEPA Direct Debit")).to_be_visible()
    expect(form.get_by_label("ACH Direct Debit")).to_have_count(0)
    assert connection.account.external_accounts.get().last4 == "4300"
