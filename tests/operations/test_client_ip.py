"""The client's address: X-Forwarded-For only from trusted proxies."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from platform_console.client_ip import client_ip
from platform_console.models import AuditEvent, SignInAttempt

pytestmark = pytest.mark.django_db


def request(remote, forwarded=None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


@pytest.mark.parametrize(("remote", "forwarded", "expected"), [
    ("203.0.113.9", None, "203.0.113.9"),                          # no proxy
    ("203.0.113.9", "1.2.3.4", "203.0.113.9"),                     # untrusted peer: header ignored
    ("10.0.0.5", "198.51.100.7", "198.51.100.7"),                  # our balancer: the client it saw
    ("10.0.0.5", "1.2.3.4, 198.51.100.7", "198.51.100.7"),         # a spoofed hop before it: ignored
    ("10.0.0.5", "198.51.100.7, 10.0.0.9", "198.51.100.7"),        # two proxies of ours
    ("10.0.0.5", "garbage", None),                                  # unreadable: unknown, not the proxy
    ("10.0.0.5", "", "10.0.0.5"),
    ("2001:db8::1", None, "2001:db8::1"),
])
def test_forwarded_for_is_believed_only_from_trusted_proxies(settings, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request(remote, forwarded)) == expected


def test_with_no_trusted_proxy_the_header_is_never_read(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(request("10.0.0.5", "198.51.100.7")) == "10.0.0.5"


def test_sign_in_throttling_and_the_audit_log_see_the_real_client(settings, admin):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    browser = Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.7")
    browser.post(reverse("login"), {"username": admin.user.email, "password": "wrong"})
    browser.post(reverse("login"), {"username": admin.user.email, "password": "pw"})
    assert set(SignInAttempt.objects.values_list("ip", flat=True)) == {"198.51.100.7"}
    assert AuditEvent.objects.get(action="sign_in.succeeded").ip == "198.51.100.7"


def test_a_spoofed_header_from_outside_cannot_dodge_the_address_lock(settings, admin):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    for n in range(settings.SIGN_IN_ADDRESS_LIMIT):
        Client(REMOTE_ADDR="203.0.113.66", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").post(
            reverse("login"), {"username": f"x{n}@example.com", "password": "x"})
    refused = Client(REMOTE_ADDR="203.0.113.66", HTTP_X_FORWARDED_FOR="192.0.2.200").post(
        reverse("login"), {"username": admin.user.email, "password": "pw"})
    assert refused.status_code == 429
