"""The back office asks staff for a code when they have an authenticator, and in production
needs one."""

import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from platform_console.models import SignInAttempt, User

pytestmark = pytest.mark.django_db
LOGIN = "/backoffice/login/?next=/backoffice/"


def create_staff(monkeypatch, *args):
    monkeypatch.setenv("STAFF_PASSWORD", "a-long-staff-passphrase")
    out = io.StringIO()
    call_command("create_staff_user", "--email", "Risk@Provider.example", *args, stdout=out)
    return out.getvalue()


def sign_in(**extra):
    browser = Client()
    response = browser.post(LOGIN, {"username": "risk@provider.example", "password": "a-long-staff-passphrase",
                                    "this_is_the_login_form": "1", "next": "/backoffice/", **extra})
    return browser, response


def test_create_staff_user_sets_up_the_authenticator_and_prints_it_once(monkeypatch):
    output = create_staff(monkeypatch)
    user = User.objects.get(email="risk@provider.example")
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    assert user.is_staff and not user.is_superuser and user.check_password("a-long-staff-passphrase")
    assert device.config_url in output and len(re.findall(r"[0-9a-f]{8}-[0-9a-f]{8}", output)) == 10


def test_staff_with_an_authenticator_need_the_code(monkeypatch, settings):
    create_staff(monkeypatch)
    device = TOTPDevice.objects.get(user__email="risk@provider.example")
    browser, response = sign_in()
    assert response.status_code == 200 and browser.get("/backoffice/").status_code == 302  # not in
    with time_machine.travel(timezone.now() + timedelta(minutes=1), tick=False):
        browser, response = sign_in(otp_device=device.persistent_id, otp_token=f"{totp(device.bin_key):06d}")
        assert response.status_code == 302
        assert browser.get("/backoffice/").status_code == 200


def test_in_production_staff_without_an_authenticator_are_refused(monkeypatch, settings):
    settings.BACKOFFICE_ALLOW_PASSWORD_ONLY = False
    User.objects.create_user(email="risk@provider.example", password="a-long-staff-passphrase", is_staff=True)
    browser, response = sign_in()
    assert response.status_code == 200 and "needs two-step sign-in" in response.content.decode()
    assert browser.get("/backoffice/").status_code == 302
    forced = Client()
    forced.force_login(User.objects.get(email="risk@provider.example"))
    assert forced.get("/backoffice/").status_code == 302  # a password-only session is not enough either


def test_password_only_staff_where_explicitly_allowed(monkeypatch, settings):
    settings.BACKOFFICE_ALLOW_PASSWORD_ONLY = True
    create_staff(monkeypatch, "--without-two-factor")
    browser, response = sign_in()
    assert response.status_code == 302 and browser.get("/backoffice/").status_code == 200


def test_staff_without_two_factor_cannot_be_created_in_production(monkeypatch, settings):
    settings.BACKOFFICE_ALLOW_PASSWORD_ONLY = False
    with pytest.raises(CommandError, match="need two-step sign-in"):
        create_staff(monkeypatch, "--without-two-factor")
    assert not User.objects.exists()


def test_the_back_office_sign_in_is_throttled_like_the_console(monkeypatch, settings):
    create_staff(monkeypatch)
    device = TOTPDevice.objects.get(user__email="risk@provider.example")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for n in range(settings.SIGN_IN_ADDRESS_LIMIT):  # wrong passwords and wrong codes from one address
            clock.shift(timedelta(seconds=settings.SIGN_IN_ACCOUNT_MAX_DELAY + 1))
            if n % 2:
                sign_in(otp_device=device.persistent_id, otp_token="000000")
            else:
                Client().post(LOGIN, {"username": "risk@provider.example", "password": "wrong",
                                      "this_is_the_login_form": "1"})
        assert SignInAttempt.objects.filter(reason="second_factor").count() == settings.SIGN_IN_ADDRESS_LIMIT // 2
        clock.shift(timedelta(seconds=31))
        browser, response = sign_in(otp_device=device.persistent_id, otp_token=f"{totp(device.bin_key):06d}")
    assert response.status_code == 200 and "Too many failed sign-ins" in response.content.decode()
    assert browser.get("/backoffice/").status_code == 302


def test_createsuperuser_is_refused_where_staff_need_two_step_sign_in(settings):
    settings.BACKOFFICE_ALLOW_PASSWORD_ONLY = False
    with pytest.raises(CommandError, match="create_staff_user"):
        call_command("createsuperuser", "--noinput", "--email", "root@provider.example")
    assert not User.objects.exists()


def test_createsuperuser_still_works_in_development(settings, monkeypatch):
    settings.BACKOFFICE_ALLOW_PASSWORD_ONLY = True
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-staff-passphrase")
    call_command("createsuperuser", "--noinput", "--email", "root@provider.example", stdout=io.StringIO())
    assert User.objects.get(email="root@provider.example").is_superuser
