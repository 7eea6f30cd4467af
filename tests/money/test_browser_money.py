"""The money flows in a real browser: add to balance, send a transfer, pull funds, each as
admin@demo.test; as analyst@demo.test the buttons are disabled."""

import pytest
from playwright.sync_api import expect

from money import services
from tests.factories import MembershipFactory, PlatformFactory, UserFactory

from .factories import fund_platform, receiving_connection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo():
    platform = PlatformFactory(name="Rocket Rides")
    admin = MembershipFactory(platform=platform, roles=["admin"], user=UserFactory(email="admin@demo.test"))
    analyst = MembershipFactory(
        platform=platform, roles=["analyst"], user=UserFactory(email="analyst@demo.test")
    )
    return platform, admin, analyst


def test_admin_adds_to_the_balance(live_server, page, log_in, demo):
    _platform, admin, _ = demo
    log_in(admin)
    page.goto(f"{live_server.url}/balances/")
    page.get_by_role("link", name="Add to balance").first.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Amount").fill("1,250")
    dialog.get_by_role("button", name="Review").click()
    expect(dialog.get_by_test_id("money-summary")).to_contain_text("Add $1,250.00 to Rocket Rides")
    dialog.get_by_role("button", name="Add $1,250.00").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator("#toast-region")).to_contain_text("$1,250.00")
    # Live mode: pending until the bank transfer settles.
    expect(page.get_by_test_id("balance-usd").get_by_test_id("pending-balance")).to_have_text("$1,250.00")


def test_admin_sends_a_transfer(live_server, page, log_in, demo):
    platform, admin, _ = demo
    fund_platform(admin, 5_000_00)
    receiving_connection(platform, account__name="Acme Bakery")
    log_in(admin)
    page.goto(f"{live_server.url}/balances/transfers/")
    page.get_by_role("link", name="New").click()
    dialog = page.get_by_role("dialog")
    # Typed key by key, as a person does (a single fill can beat htmx to the freshly swapped input).
    dialog.get_by_test_id("destination-search").press_sequentially("acme", delay=40)
    dialog.get_by_test_id("destination-option").filter(has_text="Acme Bakery").click()
    expect(dialog.get_by_test_id("chosen-destination")).to_contain_text("Acme Bakery")
    dialog.get_by_label("Amount").fill("1250")
    dialog.get_by_label("Description").fill("Week 40")
    dialog.get_by_role("button", name="Review").click()
    expect(dialog.get_by_test_id("money-summary")).to_contain_text("Send $1,250.00 to Acme Bakery")
    dialog.get_by_role("button", name="Send $1,250.00").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_test_id("transfer-row")).to_have_count(1)
    expect(page.get_by_test_id("transfer-row")).to_contain_text("Acme Bakery")
    expect(page.locator("#toast-region")).to_contain_text("Sent $1,250.00 to Acme Bakery.")


def test_admin_pulls_funds_from_an_account(live_server, page, log_in, demo, settings):
    settings.ACCOUNT_DEBIT_FEE_BPS = 100
    platform, admin, _ = demo
    fund_platform(admin, 5_000_00)
    account = receiving_connection(platform, express=True, account__name="Bright Express")
    services.create_transfer(
        actor=admin, connection=account, amount=500_00, currency="usd", idempotency_key="fill"
    )
    services.record_debit_consent(
        actor=admin,
        connection=account,
        granted_by="owner@bright.example",
        granted_at=account.created_at,
        ip=None,
    )
    log_in(admin)
    page.goto(f"{live_server.url}/accounts/{account.account.public_id}/balances/")
    expect(page.get_by_test_id("account-balance-usd").get_by_test_id("available-balance")).to_have_text(
        "$500.00"
    )
    page.get_by_test_id("pull-funds-button").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Amount").fill("200")
    dialog.get_by_role("button", name="Review").click()
    expect(dialog.get_by_test_id("debit-fee")).to_have_text("$2.00")
    dialog.get_by_role("button", name="Pull $200.00").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_test_id("account-balance-usd").get_by_test_id("available-balance")).to_have_text(
        "$300.00"
    )
    expect(page.get_by_test_id("debit-row")).to_have_count(1)


def test_an_analyst_sees_the_money_buttons_disabled(live_server, page, log_in, demo):
    platform, _admin, analyst = demo
    account = receiving_connection(platform, express=True, account__name="Bright Express")
    log_in(analyst)
    page.goto(f"{live_server.url}/balances/")
    expect(page.get_by_role("button", name="Add to balance")).to_be_disabled()
    expect(page.get_by_role("button", name="Send funds")).to_be_disabled()
    page.goto(f"{live_server.url}/balances/transfers/")
    expect(page.get_by_role("button", name="New")).to_be_disabled()
    page.goto(f"{live_server.url}/accounts/{account.account.public_id}/balances/")
    expect(page.get_by_test_id("pull-funds-button")).to_be_disabled()
    expect(page.get_by_test_id("send-funds-button")).to_be_disabled()
    expect(page.get_by_test_id("pull-funds-button")).to_have_accessible_description(
        "Only Administrators can pull funds."
    )


def test_admin_reverses_part_of_a_transfer(live_server, page, log_in, demo):
    platform, admin, _ = demo
    fund_platform(admin, 5_000_00)
    account = receiving_connection(platform, account__name="Acme Bakery")
    transfer = services.create_transfer(actor=admin, connection=account, amount=300_00, currency="usd",
                                        idempotency_key="sent")
    log_in(admin)
    page.goto(f"{live_server.url}/balances/transfers/{transfer.public_id}/")
    expect(page.get_by_test_id("transfer-status")).to_have_text("Succeeded")
    page.get_by_role("link", name="Reverse transfer").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Amount")).to_have_value("300.00")
    dialog.get_by_label("Amount").fill("120")
    dialog.get_by_label("Reason").select_option("duplicate")
    dialog.get_by_role("button", name="Review").click()
    expect(dialog.get_by_test_id("money-summary")).to_contain_text("Take $120.00 of")
    dialog.get_by_role("button", name="Reverse $120.00").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator("#toast-region")).to_contain_text("Reversed $120.00")
    expect(page.get_by_test_id("transfer-status")).to_have_text("Partially reversed")
    expect(page.get_by_test_id("amount-reversed")).to_have_text("$120.00")
    expect(page.get_by_test_id("reversals")).to_contain_text("Duplicate transfer")


def test_analyst_exports_the_transfers_the_list_shows_for_the_days_chosen(live_server, page, log_in, demo):
    from pathlib import Path

    from money import services

    platform, admin, analyst = demo
    fund_platform(admin, 5_000_00)
    for n, name in enumerate(["Acme Bakery", "Blue Cafe"]):
        connection = receiving_connection(platform, account__name=name)
        services.create_transfer(actor=admin, connection=connection, amount=10_00 + n, currency="usd",
                                 idempotency_key=f"browser-export-{n}")
    log_in(analyst)
    page.goto(f"{live_server.url}/balances/transfers/")
    page.get_by_test_id("transfer-search").fill("acme")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    page.get_by_test_id("export-menu").locator("summary").click()
    page.get_by_label("From").fill("2020-01-01")
    with page.expect_download() as download:
        page.get_by_test_id("export-download").click()
    text = Path(download.value.path()).read_text()
    assert "Acme Bakery" in text and "Blue Cafe" not in text  # the list's search went along
