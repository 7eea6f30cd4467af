"""A production install's first Administrator: `manage.py bootstrap` prints an invitation link; in the
browser they join, complete the platform profile and create the first connected account."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import Connection
from tests.factories import shipped_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_bootstrap_then_the_first_administrator_sets_up_the_platform(live_server, page, settings):
    settings.CONSOLE_SITE_URL = live_server.url
    shipped_role("admin")  # a transactional test starts with the migrations' roles flushed
    out = io.StringIO()
    call_command("bootstrap", "--platform", "Rocket Rides", "--country", "US", "--admin-email", "ops@rocket.example",
                 stdout=out)
    link = re.search(r"(http\S+/invite/\S+/)", out.getvalue()).group(1)

    page.goto(link)
    expect(page.get_by_role("heading", name="Join the team")).to_be_visible()
    page.get_by_label("Your name").fill("Olga Ops")
    page.get_by_label("Choose a password").fill("a-long-passphrase-42")
    page.get_by_test_id("accept-invitation").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/settings/profile/")
    expect(page.get_by_test_id("profile-state")).to_have_text("Incomplete")
    page.get_by_label("Legal business name").fill("Rocket Rides, Inc.")
    page.get_by_label("Platform website").fill("https://rocket.example")
    page.get_by_label("Support email for connected accounts").fill("help@rocket.example")
    page.get_by_label("What kind of platform is this?").select_option("marketplace")
    page.get_by_label("What does your platform do?").fill("Rides booked by riders, paid out to drivers.")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_test_id("profile-state")).to_have_text("Complete")

    page.goto(f"{live_server.url}/accounts/")
    page.get_by_role("button", name="+ Create").or_(page.get_by_role("link", name="+ Create")).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Express").check()
    dialog.get_by_label("Email of the account holder").fill("driver@rocket.example")
    dialog.get_by_role("button", name="Continue").click()
    expect(page.get_by_test_id("onboarding-url")).to_be_visible()
    assert Connection.objects.filter(platform__name="Rocket Rides", account__email="driver@rocket.example").exists()
