import pytest
from playwright.sync_api import expect

from accounts.models import Capability, Connection, Person
from tests.factories import AccountFactory, ConnectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def custom(demo_operator):
    platform = demo_operator("admin", "admin@demo.test")
    account = AccountFactory(country="US", name="Acme Bakery", legal_name="Acme Bakery LLC")
    connection = ConnectionFactory(platform=platform, account=account, custom=True)
    for name in ("card_payments", "transfers"):
        Capability.objects.create(connection=connection, name=name, status="active")
    Person.objects.create(account=account, first_name="Maria", last_name="Garcia", is_representative=True,
                          is_owner=True, percent_ownership=60, dob="1985-04-12")
    return connection


def test_add_edit_and_remove_an_owner(live_server, page, sign_in, custom):
    sign_in("admin@demo.test")
    page.goto(f"{live_server.url}/accounts/{custom.account.public_id}/")
    page.get_by_test_id("add-person").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("First name").fill("Chen")
    dialog.get_by_label("Last name").fill("Wang")
    dialog.get_by_label("Owner", exact=True).check()
    dialog.get_by_label("Ownership (%)").fill("50")
    dialog.get_by_role("button", name="Add person").click()
    expect(dialog.get_by_text("at most 100 %")).to_be_visible()  # 60 % + 50 %
    dialog.get_by_label("Ownership (%)").fill("40")
    dialog.get_by_role("button", name="Add person").click()
    rows = page.get_by_test_id("owner-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("Chen Wang")

    rows.nth(1).get_by_test_id("owner-menu").click()
    page.get_by_role("menuitem", name="Edit owner").click()
    page.get_by_role("dialog").get_by_label("Job title").fill("COO")
    page.get_by_role("dialog").get_by_role("button", name="Save owner").click()
    expect(page.get_by_test_id("owner-row").nth(1)).to_contain_text("COO")

    page.get_by_test_id("owner-row").nth(1).get_by_test_id("owner-menu").click()
    page.get_by_role("menuitem", name="Remove owner").click()
    expect(page.get_by_role("alertdialog")).to_contain_text("cannot be undone")
    page.get_by_test_id("confirm-remove-owner").click()
    expect(page.get_by_test_id("owner-row")).to_have_count(1)
    assert not Person.objects.filter(first_name="Chen").exists()


def test_change_the_payout_schedule(live_server, page, sign_in, custom):
    sign_in("admin@demo.test")
    page.goto(f"{live_server.url}/accounts/{custom.account.public_id}/")
    page.get_by_test_id("edit-payout-schedule").click()
    section = page.get_by_test_id("payout-schedule")
    section.get_by_label("Monthly").check()
    expect(section.get_by_label("Day of the month")).to_be_visible()
    expect(section.get_by_label("Day of the week")).to_be_hidden()
    section.get_by_label("Day of the month").fill("31")
    section.get_by_role("button", name="Save schedule").click()
    expect(page.get_by_test_id("schedule-label")).to_have_text("Monthly on day 31, minimum delay")
    expect(page.get_by_test_id("next-payout")).not_to_be_empty()
    assert Connection.objects.get(pk=custom.pk).payout_monthly_anchor == 31


def test_view_the_dashboard_as_an_account_and_exit(live_server, page, sign_in, custom):
    sign_in("admin@demo.test")
    page.goto(f"{live_server.url}/accounts/{custom.account.public_id}/")
    page.get_by_test_id("account-menu").click()
    page.get_by_role("menuitem", name="View Dashboard As").click()
    expect(page.get_by_test_id("view-as-banner")).to_contain_text("Viewing as Acme Bakery")
    expect(page.get_by_test_id("view-as-note")).to_be_visible()
    page.get_by_role("link", name="Profile").click()
    expect(page.get_by_test_id("view-as-profile")).to_contain_text("Acme Bakery LLC")
    page.goto(f"{live_server.url}/accounts/")
    expect(page).to_have_url(f"{live_server.url}/view-as/")
    page.get_by_test_id("view-as-exit").click()
    expect(page.get_by_test_id("account-name")).to_have_text("Acme Bakery")
    expect(page.get_by_test_id("view-as-banner")).to_have_count(0)


def test_remove_a_full_access_account(live_server, page, sign_in, demo_operator):
    platform = demo_operator("admin", "admin@demo.test")
    full = ConnectionFactory(platform=platform, account__name="Standalone Studio")
    sign_in("admin@demo.test")
    page.goto(f"{live_server.url}/accounts/{full.account.public_id}/")
    page.get_by_test_id("account-menu").click()
    page.get_by_role("menuitem", name="Remove account").click()
    expect(page.get_by_role("alertdialog")).to_contain_text("deleted permanently")
    expect(page.get_by_role("menuitem", name="Remove account")).to_be_hidden()  # the ⋯ menu closed
    expect(page.get_by_test_id("account-menu")).to_have_attribute("aria-expanded", "false")
    page.get_by_test_id("confirm-remove-account").click()
    expect(page.get_by_role("heading", name="Connected accounts", exact=True)).to_be_visible()
    expect(page.get_by_text("Standalone Studio was removed")).to_be_visible()
    expect(page.get_by_test_id("account-row")).to_have_count(0)
    page.goto(f"{live_server.url}/accounts/{full.account.public_id}/")
    expect(page.get_by_test_id("account-removed")).to_be_visible()


def test_the_payout_schedule_form_keeps_its_field_logic_after_an_error(live_server, page, sign_in, custom):
    """The form comes back with its errors by an htmx swap; the day fields still follow the interval."""
    sign_in("admin@demo.test")
    page.goto(f"{live_server.url}/accounts/{custom.account.public_id}/")
    page.get_by_test_id("edit-payout-schedule").click()
    section = page.get_by_test_id("payout-schedule")
    section.get_by_label("Monthly").check()
    section.get_by_label("Day of the month").fill("40")
    section.get_by_role("button", name="Save schedule").click()
    expect(section.locator(".field-error")).to_be_visible()
    expect(section.get_by_label("Day of the month")).to_be_visible()
    expect(section.get_by_label("Day of the week")).to_be_hidden()
    section.get_by_label("Weekly").check()
    expect(section.get_by_label("Day of the week")).to_be_visible()
    expect(section.get_by_label("Day of the month")).to_be_hidden()


def test_issue_new_link_asks_in_the_consoles_own_dialog(live_server, page, sign_in, demo_operator):
    platform = demo_operator("admin", "admin@demo.test")
    invited = ConnectionFactory(platform=platform, lifecycle_state="invited", account__name="Nimbus Labs")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in("admin@demo.test")
    page.goto(f"{live_server.url}/accounts/{invited.account.public_id}/")
    page.get_by_role("button", name="Issue new link").click()
    confirm = page.get_by_test_id("confirm-dialog")
    expect(confirm).to_contain_text("The current link stops working")
    expect(confirm.get_by_role("button", name="Cancel")).to_be_focused()
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_have_count(0)
    expect(page.get_by_test_id("onboarding-url")).to_have_count(0)
    page.get_by_role("button", name="Issue new link").click()
    page.get_by_test_id("confirm-dialog").get_by_role("button", name="Issue new link").click()
    expect(page.get_by_test_id("onboarding-url")).to_be_visible()
    assert dialogs == []  # never the browser's confirm()


def test_removing_a_team_member_asks_in_the_consoles_own_dialog(live_server, page, sign_in, demo_operator):
    from platform_console.models import Membership

    demo_operator("admin", "admin@demo.test")
    demo_operator("analyst", "analyst@demo.test")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in("admin@demo.test")
    page.goto(f"{live_server.url}/settings/team/")
    row = page.get_by_role("row").filter(has_text="analyst@demo.test")
    row.get_by_role("button", name="Remove").click()
    confirm = page.get_by_test_id("confirm-dialog")
    expect(confirm).to_contain_text("Remove analyst@demo.test from the team?")
    page.keyboard.press("Escape")
    expect(confirm).to_have_count(0)
    assert Membership.objects.filter(user__email="analyst@demo.test").exists()
    row.get_by_role("button", name="Remove").click()
    page.get_by_test_id("confirm-dialog").get_by_role("button", name="Remove").click()
    expect(page.get_by_role("row").filter(has_text="analyst@demo.test")).to_have_count(0)
    assert not Membership.objects.filter(user__email="analyst@demo.test").exists() and dialogs == []


def test_slash_focuses_the_search_unless_the_operator_is_typing(live_server, page, sign_in, custom):
    sign_in("admin@demo.test")
    page.goto(f"{live_server.url}/accounts/")
    page.keyboard.press("/")
    search = page.get_by_role("searchbox", name="Search accounts")
    expect(search).to_be_focused()
    expect(search).to_have_value("")  # the slash is not typed into it
    page.keyboard.type("acme/")
    expect(search).to_have_value("acme/")  # typing in a field, "/" is a character
