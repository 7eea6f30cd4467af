"""Send support an email: a private platform message on the case plus an outbox email to provider
support, role-checked, validated, audited, sent only once the transaction commits."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from platform_console.models import AuditEvent, OutboxEmail
from support_cases.errors import CasesHidden, NotAllowed, SupportCaseError
from support_cases.models import Message
from support_cases.services import BODY_MAX, email_support
from tests.factories import ConnectionFactory

from .conftest import case_url
from .factories import SupportCaseFactory

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def email_url(case):
    return case_url(case, "support_cases:email_support")


def nothing_stored():
    return (
        not Message.objects.exists()
        and not OutboxEmail.objects.exists()
        and not AuditEvent.objects.filter(action__startswith="support_case").exists()
    )


# --- the service --------------------------------------------------------------------------------


def test_stores_a_private_platform_message_by_the_member(support, case):
    message = email_support(actor=support, case=case, body="The driver changed banks.")
    assert message.author_kind == Message.Author.PLATFORM and message.is_private
    assert message.membership == support and message.body == "The driver changed banks."


def test_queues_the_email_to_provider_support_in_the_same_transaction(support, case, settings):
    settings.SUPPORT_INBOX_EMAIL = "inbox@provider.test"
    email_support(actor=support, case=case, body="Context")
    queued = OutboxEmail.objects.get()
    assert queued.to == "inbox@provider.test" and queued.status == OutboxEmail.Status.PENDING
    assert queued.context["case_id"] == case.public_id and queued.context["body"] == "Context"


def test_sends_the_email_only_after_the_commit(support, case, settings, django_capture_on_commit_callbacks):
    settings.SUPPORT_INBOX_EMAIL = "inbox@provider.test"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        email_support(actor=support, case=case, body="Line one\n<b>bold?</b>")
    assert mail.outbox == [] and len(callbacks) == 1
    callbacks[0]()
    sent = mail.outbox[0]
    assert sent.to == ["inbox@provider.test"] and case.public_id in sent.subject
    assert "<b>bold?</b>" in sent.body  # the text part is plain text
    html = sent.alternatives[0][0]
    assert "&lt;b&gt;bold?&lt;/b&gt;" in html and "<b>bold?</b>" not in html
    assert OutboxEmail.objects.get().status == OutboxEmail.Status.SENT


def test_a_rolled_back_transaction_sends_nothing(support, case, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        email_support(actor=support, case=case, body="Context")
        raise RuntimeError
    assert callbacks == [] and mail.outbox == [] and nothing_stored()


def test_every_message_sent_is_audited(support, case):
    message = email_support(actor=support, case=case, body="Context")
    event = AuditEvent.objects.get(action="support_case.platform_message_sent")
    assert event.actor == support and event.object_id == case.public_id
    assert event.account_public_id == case.connection.account.public_id
    assert event.after["message"] == message.pk and "Context" not in json.dumps(event.after)


@pytest.mark.parametrize("role", ["developer", "analyst", "viewer"])
def test_roles_that_may_not_email_are_refused(member, case, role):
    with pytest.raises(NotAllowed):
        email_support(actor=member(role), case=case, body="Context")
    assert nothing_stored()


def test_a_member_of_another_platform_is_refused(case, other_platform):
    from tests.factories import MembershipFactory

    outsider = MembershipFactory(platform=other_platform, roles=["admin"])
    with pytest.raises(NotAllowed):
        email_support(actor=outsider, case=case, body="Context")
    assert nothing_stored()


def test_hidden_accounts_are_refused(support, case):
    Account.objects.filter(pk=case.connection.account_id).update(is_platform=True)
    with pytest.raises(CasesHidden):
        email_support(actor=support, case=case, body="Context")
    assert nothing_stored()


@pytest.mark.parametrize("body", ["", "   \n ", "x" * (BODY_MAX + 1)])
def test_the_service_refuses_empty_and_over_long_text(support, case, body):
    with pytest.raises(SupportCaseError):
        email_support(actor=support, case=case, body=body)
    assert nothing_stored()


# --- the view ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, status", [("admin", 302), ("support", 302), ("developer", 403), ("analyst", 403), ("viewer", 403)]
)
def test_who_may_email_support(operator_client, member, case, role, status):
    response = operator_client(member(role)).post(email_url(case), {"body": "Context"})
    assert response.status_code == status
    assert Message.objects.filter(author_kind="platform").count() == (1 if status == 302 else 0)


@pytest.mark.parametrize("role", ["developer", "analyst", "viewer"])
def test_a_forged_post_is_refused_and_stores_nothing(operator_client, member, case, role):
    response = operator_client(member(role)).post(email_url(case), {"body": "Forged"}, headers=HX)
    assert response.status_code == 403 and nothing_stored()


def test_a_post_to_another_platforms_case_is_not_found(operator_client, support, other_platform):
    foreign = SupportCaseFactory(connection=ConnectionFactory(platform=other_platform))
    assert operator_client(support).post(email_url(foreign), {"body": "Context"}).status_code == 404
    assert nothing_stored()


def test_a_post_on_a_hidden_account_is_refused(operator_client, support, case):
    Account.objects.filter(pk=case.connection.account_id).update(connected_platforms_count=2)
    assert operator_client(support).post(email_url(case), {"body": "Context"}).status_code == 403
    assert nothing_stored()


def test_a_post_on_a_case_older_than_90_days_is_not_found(operator_client, support, connection):
    old = SupportCaseFactory(connection=connection, opened_at=timezone.now() - timedelta(days=90, seconds=1))
    assert operator_client(support).post(email_url(old), {"body": "Context"}).status_code == 404
    assert nothing_stored()


def test_without_htmx_the_post_redirects_to_the_case(operator_client, support, case):
    response = operator_client(support).post(email_url(case), {"body": "Context"})
    assert response["Location"] == case_url(case)


def test_with_htmx_the_note_is_appended_and_a_toast_shown(operator_client, support, case):
    response = operator_client(support).post(email_url(case), {"body": "Appended context"}, headers=HX)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'hx-swap-oob="beforeend:#case-timeline"' in page and "Appended context" in page
    assert "Only visible to your team and provider support" in page
    assert 'id="email-support-card"' in page and "<nav" not in page
    assert json.loads(response["HX-Trigger"]) == {"show-toast": "Sent to provider support"}


@pytest.mark.parametrize(
    "body, error",
    [
        ("", "Write the context you want provider support to have."),
        ("  \n\t ", "Write the context you want provider support to have."),
        ("x" * (BODY_MAX + 1), "Keep it to 5000 characters or fewer (this has 5001)."),
    ],
)
def test_invalid_text_is_refused_next_to_the_field_with_422(operator_client, support, case, body, error):
    response = operator_client(support).post(email_url(case), {"body": body}, headers=HX)
    page = response.content.decode()
    assert response.status_code == 422
    assert f'<p class="field-error" id="id_body_error">{error}</p>' in page
    assert 'aria-invalid="true"' in page and nothing_stored()


def test_an_over_long_text_keeps_what_was_typed(operator_client, support, case):
    body = "y" * (BODY_MAX + 1)
    page = operator_client(support).post(email_url(case), {"body": body}, headers=HX).content.decode()
    assert body in page


def test_exactly_the_maximum_length_is_accepted(operator_client, support, case):
    response = operator_client(support).post(email_url(case), {"body": "z" * BODY_MAX}, headers=HX)
    assert response.status_code == 200 and Message.objects.get().body == "z" * BODY_MAX


def test_without_htmx_an_invalid_post_renders_the_page_with_422(operator_client, support, case):
    response = operator_client(support).post(email_url(case), {"body": ""})
    assert response.status_code == 422 and "Send support an email" in response.content.decode()
    assert "<nav" in response.content.decode()


def test_html_is_stored_as_text_and_escaped_when_rendered(operator_client, support, case):
    script = '<script>alert("x")</script><b>bold</b>'
    client = operator_client(support)
    client.post(email_url(case), {"body": script}, headers=HX)
    assert Message.objects.get().body == script
    page = client.get(case_url(case)).content.decode()
    assert script not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in page


def test_the_htmx_answer_escapes_html_too(operator_client, support, case):
    page = (
        operator_client(support)
        .post(email_url(case), {"body": "<img src=x onerror=alert(1)>"}, headers=HX)
        .content.decode()
    )
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_a_get_is_not_allowed(operator_client, support, case):
    assert operator_client(support).get(email_url(case)).status_code == 405
