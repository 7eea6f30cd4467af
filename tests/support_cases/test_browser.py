"""In a real browser: a Support specialist opens an account's case from Account details, sends
provider support an email and sees it as a private note; the account, on its hosted support page,
never sees it."""

import re

import pytest
from playwright.sync_api import expect

from support_cases.models import Message
from tests.factories import ConnectionFactory, MembershipFactory, PlatformFactory, UserFactory

from .factories import MessageFactory, SupportCaseFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "Context from Rocket Rides: this driver changed banks on the 3rd."


@pytest.fixture
def sign_in(page, live_server):
    def do(email: str, password: str = "demo"):
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    return do


@pytest.fixture
def acme(db):
    platform = PlatformFactory(name="Rocket Rides")
    MembershipFactory(
        user=UserFactory(email="support@demo.test", password="demo"),
        platform=platform,
        roles=["support_specialist"],
    )
    connection = ConnectionFactory(platform=platform, account__name="Acme Bakery")
    case = SupportCaseFactory(
        connection=connection,
        subject="Payout is three days late",
        description="Our Monday payout has not arrived.",
    )
    MessageFactory(case=case, provider=True, body="Could you confirm your bank account is still open?")
    return connection


def test_a_private_note_reaches_support_but_never_the_account(
    live_server, page, browser, sign_in, acme, settings
):
    settings.CONSOLE_SITE_URL = live_server.url
    sign_in("support@demo.test")
    page.goto(f"{live_server.url}/accounts/{acme.account.public_id}/")
    cases = page.get_by_test_id("support-cases")
    cases.get_by_role("link", name="Payout is three days late").click()
    expect(page.get_by_test_id("case-subject")).to_have_text("Payout is three days late")
    expect(page.get_by_test_id("case-timeline")).to_contain_text("Could you confirm your bank account")

    # Empty first: the error appears next to the field and nothing is sent.
    form = page.get_by_test_id("email-support")
    form.get_by_role("button", name="Send to provider support").click()
    expect(form.locator(".field-error")).to_have_text("Write the context you want provider support to have.")
    form.get_by_label("Message to provider support").fill(NOTE)
    form.get_by_role("button", name="Send to provider support").click()
    note = page.get_by_test_id("private-note")
    expect(note).to_contain_text(NOTE)
    expect(note).to_contain_text("Only visible to your team and provider support")
    expect(page.locator("#toast-region")).to_contain_text("Sent to provider support")
    expect(form.get_by_label("Message to provider support")).to_have_value("")
    assert Message.objects.get(author_kind="platform").body == NOTE

    # The account's support link, from the panel on Account details.
    page.goto(f"{live_server.url}/accounts/{acme.account.public_id}/")
    page.get_by_test_id("send-support-link").click()
    url_field = page.get_by_test_id("support-url")
    expect(url_field).to_be_visible()
    link = url_field.input_value()
    assert re.match(rf"{re.escape(live_server.url)}/support-link/[\w-]+/$", link)

    holder = browser.new_context()
    account_page = holder.new_page()
    account_page.goto(link)
    expect(account_page.get_by_role("heading", name="Support")).to_be_visible()
    account_page.get_by_role("link", name="Payout is three days late").click()
    expect(account_page.get_by_test_id("account-case-timeline")).to_contain_text(
        "Could you confirm your bank account"
    )
    for content in (account_page.content(), holder.pages[0].inner_text("body")):
        assert NOTE not in content and "Private note" not in content
    holder.close()

    # View Dashboard As shows the account's side: the case, and never the private note.
    page.goto(f"{live_server.url}/accounts/{acme.account.public_id}/")
    page.get_by_test_id("account-menu").click()
    page.get_by_role("menuitem", name="View Dashboard As").click()
    expect(page.get_by_test_id("view-as-banner")).to_contain_text("Viewing as")
    page.get_by_role("link", name="Support", exact=True).click()
    page.get_by_role("link", name="Payout is three days late").click()
    expect(page.get_by_test_id("account-case-timeline")).to_contain_text("Could you confirm your bank account")
    assert NOTE not in page.content() and "Private note" not in page.content()
    page.get_by_test_id("view-as-exit").click()
    expect(page.get_by_test_id("view-as-banner")).to_have_count(0)
