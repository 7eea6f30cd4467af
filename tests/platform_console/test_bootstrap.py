"""`manage.py bootstrap`: a production install's first platform and Administrator."""

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from platform_console.models import AuditEvent, Invitation, Membership, OutboxEmail, Platform

pytestmark = pytest.mark.django_db


def bootstrap(*args):
    out = io.StringIO()
    call_command("bootstrap", *args, stdout=out)
    return out.getvalue()


def test_bootstrap_creates_the_platform_and_invites_its_first_administrator(settings):
    output = bootstrap("--platform", "Rocket Rides", "--country", "us", "--admin-email", "Ops@Example.com")
    platform = Platform.objects.get(name="Rocket Rides")
    assert (platform.country, platform.default_currency, platform.platform_profile_completed) == ("US", "usd", False)
    invitation = Invitation.objects.get(platform=platform)
    assert invitation.email == "ops@example.com" and invitation.role.slug == "admin"
    link = re.search(r"(http\S+/invite/\S+/)", output).group(1)
    assert link.startswith(settings.CONSOLE_SITE_URL)
    assert OutboxEmail.objects.filter(to="ops@example.com").exists()
    assert AuditEvent.objects.filter(platform=platform, action="platform.bootstrapped").exists()

    # The link works: the first Administrator joins and lands in the console.
    browser = Client()
    path = link.removeprefix(settings.CONSOLE_SITE_URL)
    joined = browser.post(path, {"full_name": "Olga Ops", "password": "a-long-passphrase-42"})
    assert joined.status_code == 302
    membership = Membership.objects.get(platform=platform, user__email="ops@example.com")
    assert [role.slug for role in membership.roles.all()] == ["admin"]
    assert browser.get(reverse("platform_profile")).status_code == 200


def test_bootstrap_refuses_to_run_twice_for_the_same_platform():
    bootstrap("--platform", "Rocket Rides", "--country", "US", "--admin-email", "ops@example.com")
    with pytest.raises(CommandError, match="already exists"):
        bootstrap("--platform", "rocket rides", "--country", "US", "--admin-email", "other@example.com")
    assert Platform.objects.count() == 1 and Invitation.objects.count() == 1


@pytest.mark.parametrize(("args", "message"), [
    (["--country", "XX", "--admin-email", "ops@example.com"], "--country must be one of"),
    (["--country", "US", "--admin-email", "not-an-email"], "is not an email address"),
])
def test_bootstrap_refuses_bad_input_clearly(args, message):
    with pytest.raises(CommandError, match=message):
        bootstrap("--platform", "Rocket Rides", *args)
    assert not Platform.objects.exists()
