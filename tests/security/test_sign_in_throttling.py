"""Sign-in throttling: a lock per address, delays per account that never lock the owner out, the
security log apart from the platform's audit log, and wrong codes that can't freeze a member's
authenticator for hours."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from platform_console.models import AuditEvent, SignInAttempt
from platform_console.throttle import DEVICE_COOKIE
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
ATTACKER = "203.0.113.5"
OWNER = "198.51.100.7"


def attempt(client, email, password, ip=ATTACKER):
    return client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_an_address_is_locked_after_ten_failures_whatever_emails_they_named(platform, settings):
    """Spraying: one wrong password for each of many emails is caught per address."""
    emails = [MembershipFactory(platform=platform, roles=["analyst"]).user.email for _ in range(3)]
    for n in range(settings.SIGN_IN_ADDRESS_LIMIT):
        assert attempt(Client(), f"sprayed{n}@victims.example", "Summer2026!").status_code == 200
    locked = attempt(Client(), emails[0], "pw")  # even the right password of a real member, from there
    assert locked.status_code == 429 and "from your network" in locked.content.decode()
    assert 0 < int(locked["Retry-After"]) <= settings.SIGN_IN_WINDOW_MINUTES * 60
    # Another address is not affected, and the lock ends when the failures leave the window.
    assert attempt(Client(), emails[1], "pw", ip=OWNER).status_code == 302
    with time_machine.travel(timezone.now() + timedelta(minutes=settings.SIGN_IN_WINDOW_MINUTES, seconds=1)):
        assert attempt(Client(), emails[0], "pw").status_code == 302


def test_failures_on_one_account_slow_it_down_without_locking_the_owner_out(admin, settings):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for n in range(settings.SIGN_IN_ACCOUNT_FREE_FAILURES):  # from several addresses: not an address lock
            assert attempt(Client(), admin.user.email, "wrong", ip=f"192.0.2.{n}").status_code == 200
        # The sixth try must wait a second; a refused try is not checked and does not count.
        refused = attempt(Client(), admin.user.email, "pw", ip=OWNER)
        assert refused.status_code == 429 and "for this account" in refused.content.decode()
        assert refused["Retry-After"] == "1"
        clock.shift(timedelta(seconds=1))
        attempt(Client(), admin.user.email, "wrong", ip="192.0.2.50")  # delay now doubles
        clock.shift(timedelta(seconds=1))
        assert attempt(Client(), admin.user.email, "pw", ip=OWNER).status_code == 429
        clock.shift(timedelta(seconds=1))
        # The owner, on a device never seen before, gets in once the short delay is over.
        assert attempt(Client(), admin.user.email, "pw", ip=OWNER).status_code == 302


def test_the_delay_is_capped_so_a_guesser_cannot_lock_the_owner_out_for_long(admin, settings):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for n in range(40):
            attempt(Client(), admin.user.email, "wrong", ip=f"192.0.2.{n}")
            clock.shift(timedelta(seconds=settings.SIGN_IN_ACCOUNT_MAX_DELAY))
        assert attempt(Client(), admin.user.email, "pw", ip=OWNER).status_code == 302


def test_a_browser_that_signed_in_before_is_not_delayed(admin, settings):
    owner = Client()
    assert attempt(owner, admin.user.email, "pw", ip=OWNER).status_code == 302
    assert DEVICE_COOKIE in owner.cookies
    owner.post(reverse("logout"))
    for n in range(settings.SIGN_IN_ACCOUNT_FREE_FAILURES + 3):
        attempt(Client(), admin.user.email, "wrong", ip=f"192.0.2.{n}")
    assert attempt(Client(), admin.user.email, "pw", ip="192.0.2.99").status_code == 429  # a stranger waits
    assert attempt(owner, admin.user.email, "pw", ip=OWNER).status_code == 302  # the owner's browser does not


def test_a_forged_device_cookie_does_not_skip_the_delay(admin, settings):
    for n in range(settings.SIGN_IN_ACCOUNT_FREE_FAILURES + 3):
        attempt(Client(), admin.user.email, "wrong", ip=f"192.0.2.{n}")
    forger = Client()
    forger.cookies[DEVICE_COOKIE] = "eyJ1IjoxfQ:forged:signature"
    assert attempt(forger, admin.user.email, "pw", ip=OWNER).status_code == 429


def test_changing_the_case_of_the_email_does_not_escape_the_delay(admin, settings):
    for n in range(settings.SIGN_IN_ACCOUNT_FREE_FAILURES + 3):
        attempt(Client(), admin.user.email.upper() if n % 2 else admin.user.email, "wrong", ip=f"192.0.2.{n}")
    assert attempt(Client(), admin.user.email.title(), "pw", ip=OWNER).status_code == 429


def test_failures_go_to_the_security_log_not_the_audit_log(admin, operator_client):
    for _ in range(100):
        attempt(Client(), f"anyone{_ % 7}@nowhere.example", "x", ip=f"192.0.2.{_}")
    for n in range(3):
        attempt(Client(), admin.user.email, "wrong", ip=f"198.51.100.{n}")
    attempt(Client(), admin.user.email, "pw", ip=OWNER)
    assert SignInAttempt.objects.filter(succeeded=False).count() == 103
    assert not AuditEvent.objects.filter(action="sign_in.failed").exists()
    assert AuditEvent.objects.filter(action="sign_in.succeeded", actor=admin).count() == 1
    # The platform sees a summary per member on the Team page.
    team = operator_client(admin).get(reverse("team")).content.decode()
    row = next(row for row in team.split('data-testid="member-row"')[1:] if admin.user.email in row)
    assert '<td class="num" data-testid="failed-sign-ins"><span title="Last' in row and ">3</span>" in row


def code_for(device, at):
    with time_machine.travel(at, tick=False):
        return f"{totp(device.bin_key):06d}"


def test_wrong_codes_by_someone_who_knows_the_password_cannot_freeze_the_authenticator(admin, operator_client):
    """django-otp's own throttle doubled its delay on every wrong code: 20 of them froze the
    owner's codes for days. Wrong codes now count like wrong passwords: capped delays."""
    client = operator_client(admin)
    client.post(reverse("security_settings"), {"action": "start", "reauth-password": "pw"})
    device = TOTPDevice.objects.get(user=admin.user, confirmed=False)
    client.post(reverse("security_settings"), {"action": "confirm", "code": code_for(device, timezone.now())})
    start = timezone.now() + timedelta(minutes=1)
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(20):
            thief = Client()
            attempt(thief, admin.user.email, "pw")
            thief.post(reverse("login_verify"), {"code": "000000"}, REMOTE_ADDR=ATTACKER)
            clock.shift(timedelta(seconds=61))
        owner = Client()
        assert attempt(owner, admin.user.email, "pw", ip=OWNER)["Location"] == reverse("login_verify")
        ok = owner.post(reverse("login_verify"), {"code": code_for(device, timezone.now())}, REMOTE_ADDR=OWNER)
        assert ok.status_code == 302 and ok["Location"] == "/"
    assert SignInAttempt.objects.filter(reason="second_factor", succeeded=False).count() >= 10


def test_rotating_through_an_ipv6_64_does_not_escape_the_address_lock(admin, settings):
    for n in range(settings.SIGN_IN_ADDRESS_LIMIT):
        attempt(Client(), f"sprayed{n}@victims.example", "x", ip=f"2001:db8:1:2::{n + 1:x}")
    assert attempt(Client(), admin.user.email, "pw", ip="2001:db8:1:2:ffff::9").status_code == 429
    assert attempt(Client(), admin.user.email, "pw", ip="2001:db8:1:3::1").status_code == 302  # another /64


def test_address_blocks():
    from platform_console.throttle import address_block

    assert address_block("203.0.113.7") == "203.0.113.7"
    assert address_block("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert address_block("::ffff:203.0.113.7") == "203.0.113.7"
    assert address_block(None) == ""
