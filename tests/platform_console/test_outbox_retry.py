"""Failed emails in the back office: provider staff see them and retry them with a new schedule,
audited on the email's platform; one whose one-time link was erased is not sent without it."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from platform_console.models import AuditEvent, OutboxEmail
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:platform_console_outboxemail_changelist")


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(email="agent@provider.test", is_staff=True, is_superuser=True))
    return client


def failed(platform, **fields) -> OutboxEmail:
    row = {"to": "admin@rocket.example", "template": "accounts/email/account_connected", "status": "failed",
           "context": {"account_name": "Acme", "account_id": "acct_1", "platform_name": platform.name},
           "attempts": 15, "last_error": "ConnectionRefusedError(111, 'Connection refused')"}
    return OutboxEmail.objects.create(platform=platform, **{**row, **fields})


def retry(client, *emails):
    return client.post(CHANGELIST, {"action": "retry", "_selected_action": [e.pk for e in emails]}, follow=True)


def test_failed_emails_are_listed_with_their_error(staff_client, platform):
    failed(platform)
    html = staff_client.get(CHANGELIST, {"status__exact": "failed"}).content.decode()
    assert "admin@rocket.example" in html and "Retry the selected failed emails" in html


def test_retry_starts_a_new_schedule_and_sends_the_email(staff_client, platform, django_capture_on_commit_callbacks):
    email = failed(platform)
    with django_capture_on_commit_callbacks(execute=True):
        response = retry(staff_client, email)
    assert "1 email(s) will be sent again." in response.content.decode()
    email.refresh_from_db()
    assert email.status == "sent" and email.attempts == 1 and len(mail.outbox) == 1


def test_retry_is_audited_on_the_platform_of_the_email(staff_client, platform):
    email = failed(platform)
    retry(staff_client, email)
    event = AuditEvent.objects.get(action="email.retried")
    assert event.platform == platform and event.actor_label == "provider (agent@provider.test)"
    assert event.object_id == str(email.message_uuid)


def test_an_email_whose_link_was_erased_is_not_retried(staff_client, platform):
    email = failed(platform, link_erased_at=timezone.now())
    response = retry(staff_client, email)
    assert "the platform must send a new link" in response.content.decode()
    email.refresh_from_db()
    assert email.status == "failed" and not AuditEvent.objects.exists()


def test_the_context_with_its_link_is_not_shown(staff_client, platform):
    email = failed(platform, status="pending", context={"url": "https://console.example/onboard/secret/"})
    html = staff_client.get(reverse("admin:platform_console_outboxemail_change", args=[email.pk])).content.decode()
    assert "admin@rocket.example" in html and "secret" not in html
