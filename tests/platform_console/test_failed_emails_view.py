"""Settings › Emails: the platform's Administrators see undelivered emails and **Retry** them."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from platform_console import outbox
from platform_console.models import AuditEvent, OutboxEmail
from tests.platform_console.test_outbox_retry import failed

pytestmark = pytest.mark.django_db
PAGE = reverse("failed_emails")


def test_administrators_see_their_platforms_failed_emails_only(operator_client, admin, other_platform):
    failed(admin.platform, to="holder@acme.example")
    failed(other_platform, to="someone@theirs.example")
    OutboxEmail.objects.create(platform=admin.platform, to="sent@acme.example", template="x/email/y", status="sent")
    html = operator_client(admin).get(PAGE).content.decode()
    assert html.count('data-testid="failed-email-row"') == 1
    assert "holder@acme.example" in html and "Account connected" in html and "Connection refused" in html
    assert "someone@theirs.example" not in html and "sent@acme.example" not in html
    assert ">Emails</a>" in html  # the settings tab


def test_an_empty_list_says_so(operator_client, admin):
    assert 'data-testid="no-failed-emails"' in operator_client(admin).get(PAGE).content.decode()


@pytest.mark.parametrize("role", ["developer", "analyst", "support", "viewer"])
def test_other_roles_neither_see_nor_retry(operator_client, request, role, admin):
    email = failed(admin.platform)
    client = operator_client(request.getfixturevalue(role))
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"email": email.pk}).status_code == 403
    assert ">Emails</a>" not in client.get(reverse("security_settings")).content.decode()
    assert OutboxEmail.objects.get(pk=email.pk).status == "failed"


def test_retry_sends_it_again_and_is_audited(operator_client, admin, django_capture_on_commit_callbacks):
    email = failed(admin.platform)
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client(admin).post(PAGE, {"email": email.pk})
    assert response.status_code == 302
    assert OutboxEmail.objects.get(pk=email.pk).status == "sent" and len(mail.outbox) == 1
    event = AuditEvent.objects.get(action="email.retried")
    assert event.actor == admin and event.platform == admin.platform


def test_another_platforms_email_is_not_found(operator_client, admin, other_platform):
    theirs = failed(other_platform)
    assert operator_client(admin).post(PAGE, {"email": theirs.pk}).status_code == 404
    assert OutboxEmail.objects.get(pk=theirs.pk).status == "failed"


def test_an_email_whose_link_was_erased_says_to_send_a_new_link(operator_client, admin):
    email = failed(admin.platform, link_erased_at=timezone.now())
    client = operator_client(admin)
    assert "Send a new link" in client.get(PAGE).content.decode()
    page = client.post(PAGE, {"email": email.pk}, follow=True).content.decode()
    assert "the platform must send a new link" in page and OutboxEmail.objects.get(pk=email.pk).status == "failed"


def test_the_service_checks_the_role_too(developer, admin):
    email = failed(admin.platform)
    with pytest.raises(outbox.OutboxError, match="Only the platform's Administrators"):
        outbox.retry_email(email=email, actor=developer)
