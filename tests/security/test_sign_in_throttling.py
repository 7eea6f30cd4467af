import pytest
from django.test import Client
from django.urls import reverse

from platform_console.models import AuditEvent, SignInAttempt

pytestmark = pytest.mark.django_db


def attempt(client, email, password, ip="203.0.113.5"):
    return client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_repeated_failures_lock_out_the_account_from_that_address(admin):
    client = Client()
    for _ in range(4):
        response = attempt(client, admin.user.email, "wrong")
        assert response.status_code == 200 and "do not match" in response.content.decode()
    assert attempt(client, admin.user.email, "wrong").status_code == 429  # the fifth failure locks
    locked = attempt(client, admin.user.email, "pw")  # and then even the right password is refused
    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.content.decode()
    assert Client().get(reverse("home")).status_code == 302
    # Another address is not locked out.
    assert attempt(Client(), admin.user.email, "pw", ip="198.51.100.7").status_code == 302


def test_sign_ins_are_audited(admin):
    attempt(Client(), admin.user.email, "wrong")
    attempt(Client(), admin.user.email, "pw")
    assert SignInAttempt.objects.filter(succeeded=False, email=admin.user.email).count() == 1
    assert SignInAttempt.objects.filter(succeeded=True, email=admin.user.email).count() == 1
    assert AuditEvent.objects.filter(action="sign_in.failed", platform=admin.platform).count() == 1
    assert AuditEvent.objects.filter(action="sign_in.succeeded", actor=admin).count() == 1


def test_failed_sign_ins_of_unknown_emails_are_recorded_without_a_platform(db):
    attempt(Client(), "nobody@nowhere.example", "x")
    assert SignInAttempt.objects.get().email == "nobody@nowhere.example"
    assert not AuditEvent.objects.exists()


def test_changing_the_case_of_the_email_does_not_escape_the_lockout(admin):
    client = Client()
    for n in range(5):
        attempt(client, admin.user.email.upper() if n % 2 else admin.user.email, "wrong")
    assert attempt(client, admin.user.email.title(), "pw").status_code == 429
