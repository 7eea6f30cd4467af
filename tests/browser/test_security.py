import base64
import time

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from django_otp.oath import totp
from playwright.sync_api import expect

from money.models import Transfer
from platform_console.security import SESSION_AUTH_AT
from tests.money.factories import fund_platform, receiving_connection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code_from_secret(secret: str, offset: int = 0) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    with time_machine.travel(timezone.now().timestamp() + offset, tick=False):
        return f"{totp(key):06d}"


def test_enrol_two_step_sign_out_and_sign_in_with_the_code(live_server, page, demo_operator, sign_in):
    demo_operator("admin", "admin@demo.test")
    sign_in("admin@demo.test")
    page.get_by_role("button", name="Ada").or_(page.locator("[data-menu-button].user-button")).first.click()
    page.get_by_role("menuitem", name="Security settings").click()
    page.get_by_test_id("start-two-factor").click()
    # Setting it up asks for the password first.
    expect(page.get_by_text("This field is required.")).to_be_visible()
    page.get_by_label("Your password").fill("demo")
    page.get_by_test_id("start-two-factor").click()
    expect(page.get_by_test_id("qr-code").locator("svg")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text()
    page.get_by_label("Code from your app").fill(code_from_secret(secret))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    page.get_by_role("link", name="I saved them").click()
    expect(page.get_by_test_id("two-factor-state")).to_have_text("On")

    page.locator(".user-button").click()
    page.get_by_role("menuitem", name="Sign out").click()
    page.get_by_label("Email").fill("admin@demo.test")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Two-step authentication")).to_be_visible()
    # The next 30-second window: django-otp never accepts the code used for enrolment again.
    page.get_by_label("Authentication code").fill(code_from_secret(secret, offset=30))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Home")).to_be_visible()

    # Security settings list this browser's session.
    page.goto(f"{live_server.url}/settings/security/")
    expect(page.get_by_test_id("session-row")).to_have_count(1)
    expect(page.get_by_test_id("session-row")).to_contain_text("This session")
    page.screenshot(path="/tmp/security-settings.png", full_page=True)


def test_send_a_transfer_after_the_re_authentication_prompt(live_server, page, demo_operator, sign_in):
    platform = demo_operator("admin", "admin@demo.test")
    admin = platform.memberships.get(user__email="admin@demo.test")
    fund_platform(admin, 5_000_00)
    receiving_connection(platform, account__name="Acme Bakery")
    sign_in("admin@demo.test")
    # The sign-in was more than ten minutes ago.
    session_key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    session = SessionStore(session_key=session_key)
    session[SESSION_AUTH_AT] = int(time.time()) - 3600
    session.save()

    page.goto(f"{live_server.url}/balances/transfers/")
    page.get_by_role("link", name="New").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_test_id("destination-search").press_sequentially("acme", delay=40)
    dialog.get_by_test_id("destination-option").filter(has_text="Acme Bakery").click()
    dialog.get_by_label("Amount").fill("125")
    dialog.get_by_role("button", name="Review").click()
    expect(dialog.get_by_test_id("reauth")).to_be_visible()
    dialog.get_by_label("Your password").fill("not-my-password")
    dialog.get_by_role("button", name="Send $125.00").click()
    expect(dialog.get_by_text("That password is not right.")).to_be_visible()
    expect(dialog.get_by_test_id("money-summary")).to_contain_text("Send $125.00 to Acme Bakery")
    assert not Transfer.objects.exists()
    dialog.get_by_label("Your password").fill("demo")
    dialog.get_by_role("button", name="Send $125.00").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_test_id("transfer-row")).to_have_count(1)
    assert Transfer.objects.get().amount == 125_00
