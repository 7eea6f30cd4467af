import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from platform_console import security
from platform_console.models import Platform, SignInAttempt

pytestmark = pytest.mark.django_db
SECURITY = reverse("security_settings")


def code_for(device, at=None):
    """The code an authenticator app would show at `at` (now by default)."""
    with time_machine.travel(at or timezone.now(), tick=False):
        return f"{totp(device.bin_key):06d}"


def enrol(client, user):
    client.post(SECURITY, {"action": "start", "reauth-password": "pw"})
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(SECURITY, {"action": "confirm", "code": code_for(device)})
    return device, response


def test_enrolment_shows_a_local_qr_code_then_recovery_codes_once(operator_client, admin):
    client = operator_client(admin)
    client.post(SECURITY, {"action": "start", "reauth-password": "pw"})
    page = client.get(SECURITY).content.decode()
    qr = page.split('data-testid="qr-code"')[1].split("</div>")[0]
    assert "<svg" in qr and "<path" in qr and "<img" not in qr and "src=" not in qr  # drawn here, not fetched
    device, response = enrol(client, admin.user)
    html = response.content.decode()
    codes = re.findall(r"<code>([0-9a-f]{8}-[0-9a-f]{8})</code>", html)
    assert len(codes) == 10 and TOTPDevice.objects.get(pk=device.pk).confirmed
    assert not re.findall(r"[0-9a-f]{8}-[0-9a-f]{8}", client.get(SECURITY).content.decode())  # shown once


def test_a_wrong_first_code_does_not_enrol(operator_client, admin):
    client = operator_client(admin)
    client.post(SECURITY, {"action": "start", "reauth-password": "pw"})
    response = client.post(SECURITY, {"action": "confirm", "code": "000000"})
    assert response.status_code == 422 and not security.has_two_factor(admin.user)


def sign_in(email, password="pw"):
    browser = Client()
    response = browser.post(reverse("login"), {"username": email, "password": password})
    return browser, response


def test_sign_in_asks_for_the_code_after_the_password(operator_client, admin):
    device, response = enrol(operator_client(admin), admin.user)
    later = timezone.now() + timedelta(minutes=2)
    with time_machine.travel(later, tick=False) as clock:
        browser, response = sign_in(admin.user.email)
        assert response["Location"] == reverse("login_verify")
        assert browser.get(reverse("home")).status_code == 302  # not signed in yet
        wrong = browser.post(reverse("login_verify"), {"code": "123456"})
        assert wrong.status_code == 422 and SignInAttempt.objects.filter(reason="second_factor").exists()
        clock.shift(timedelta(seconds=5))  # django-otp slows retries down after a failure
        ok = browser.post(reverse("login_verify"), {"code": code_for(device, timezone.now())})
        assert ok.status_code == 302 and browser.get(reverse("home")).status_code == 200


def test_each_recovery_code_works_once(operator_client, admin):
    _device, response = enrol(operator_client(admin), admin.user)
    code = re.findall(r"<code>([0-9a-f]{8}-[0-9a-f]{8})</code>", response.content.decode())[0]
    first, _ = sign_in(admin.user.email)
    assert first.post(reverse("login_verify"), {"code": code}).status_code == 302
    second, _ = sign_in(admin.user.email)
    assert second.post(reverse("login_verify"), {"code": code}).status_code == 422


def test_too_many_wrong_codes_end_the_attempt(operator_client, admin):
    enrol(operator_client(admin), admin.user)
    browser, _ = sign_in(admin.user.email)
    for _ in range(5):
        response = browser.post(reverse("login_verify"), {"code": "000000"})
    assert response["Location"] == reverse("login")
    assert browser.get(reverse("login_verify"))["Location"] == reverse("login")


def test_a_platform_can_require_two_step_authentication(operator_client, analyst):
    Platform.objects.filter(pk=analyst.platform_id).update(require_two_step_auth=True)
    client = operator_client(analyst)
    assert client.get(reverse("accounts:list"))["Location"] == SECURITY
    assert "requires two-step authentication" in client.get(SECURITY).content.decode()
    enrol(client, analyst.user)
    assert client.get(reverse("accounts:list")).status_code == 200


def test_turning_it_off_needs_the_password_and_a_code_and_is_refused_when_required(operator_client, admin):
    client = operator_client(admin)
    device, _ = enrol(client, admin.user)
    with time_machine.travel(timezone.now() + timedelta(minutes=1), tick=False):
        code = code_for(device, timezone.now())
        assert client.post(SECURITY, {"action": "disable", "reauth-password": "wrong",
                                      "reauth-code": code}).status_code == 422
        assert client.post(SECURITY, {"action": "disable", "reauth-password": "pw"}).status_code == 422  # no code
        Platform.objects.filter(pk=admin.platform_id).update(require_two_step_auth=True)
        assert client.post(SECURITY, {"action": "disable", "reauth-password": "pw",
                                      "reauth-code": code}).status_code == 422
    Platform.objects.filter(pk=admin.platform_id).update(require_two_step_auth=False)
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        client.post(SECURITY, {"action": "disable", "reauth-password": "pw", "reauth-code": code_for(device, timezone.now())})
    assert not security.has_two_factor(admin.user)
