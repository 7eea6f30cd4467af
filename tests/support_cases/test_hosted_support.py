"""The account's hosted support page, reached through its support link: open a case, follow it,
reply; the account sees only its own cases."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from platform_console.models import AuditEvent
from support_cases.models import Message, SupportCase
from tests.factories import ConnectionFactory

from .factories import MessageFactory, SupportCaseFactory

pytestmark = pytest.mark.django_db

CASES = reverse("support_cases:hosted_cases")
NEW = reverse("support_cases:hosted_new_case")


def hosted_case(case):
    return reverse("support_cases:hosted_case", args=[case.public_id])


NEW_CASE = {"category": "payouts", "subject": "Payout missing", "description": "My payout of $120 is late."}


def test_the_page_lists_the_accounts_cases(holder, connection):
    SupportCaseFactory(connection=connection, subject="My first question")
    page = holder.get(CASES).content.decode()
    assert "My first question" in page and connection.platform.name in page


def test_the_page_has_an_empty_state(holder):
    assert "No support cases yet" in holder.get(CASES).content.decode()


def test_the_account_opens_a_case(holder, connection):
    response = holder.post(NEW, NEW_CASE)
    case = SupportCase.objects.get()
    assert response["Location"] == hosted_case(case)
    assert (case.connection, case.platform, case.status) == (connection, connection.platform, "open")
    assert (case.subject, case.category, case.description) == (
        "Payout missing",
        "payouts",
        "My payout of $120 is late.",
    )
    page = holder.get(hosted_case(case)).content.decode()
    assert "Your case was sent to provider support" in page and "My payout of $120 is late." in page


def test_opening_a_case_is_audited_without_its_text(holder, connection):
    holder.post(NEW, NEW_CASE)
    event = AuditEvent.objects.get(action="support_case.opened")
    assert event.actor is None and event.actor_label == "account holder"
    assert event.object_id == SupportCase.objects.get().public_id
    assert "Payout missing" not in str(event.after) and event.account_public_id == ""


@pytest.mark.parametrize(
    "field, value, error",
    [
        ("subject", "", "Give your case a short subject."),
        ("description", "  ", "Tell support what happened."),
        ("category", "", "Choose what the case is about."),
        ("category", "bogus", "Choose one of the topics in the list."),
        ("subject", "s" * 201, "Keep it to 200 characters or fewer (this has 201)."),
    ],
)
def test_an_invalid_case_is_refused_next_to_its_field(holder, field, value, error):
    response = holder.post(NEW, {**NEW_CASE, field: value})
    assert response.status_code == 422 and error in response.content.decode().replace("&#x27;", "'")
    assert not SupportCase.objects.exists()


def test_the_account_replies_and_support_is_next_to_act(holder, case):
    SupportCase.objects.filter(pk=case.pk).update(status="waiting_on_account")
    response = holder.post(hosted_case(case), {"body": "Here is the statement."})
    assert response["Location"] == hosted_case(case)
    case.refresh_from_db()
    assert case.status == "waiting_on_provider"
    message = Message.objects.get()
    assert message.author_kind == "account" and message.author_label == "Acme Bakery"
    assert AuditEvent.objects.filter(action="support_case.account_replied", object_id=case.public_id).exists()


def test_an_empty_reply_is_refused(holder, case):
    response = holder.post(hosted_case(case), {"body": " "})
    assert response.status_code == 422 and "Write your reply before sending it." in response.content.decode()
    assert not Message.objects.exists()


def test_a_closed_case_takes_no_reply(holder, connection):
    closed = SupportCaseFactory(connection=connection, closed=True)
    page = holder.get(hosted_case(closed)).content.decode()
    assert "This case is closed" in page and 'name="body"' not in page
    assert holder.post(hosted_case(closed), {"body": "Hello?"}).status_code == 422
    assert not Message.objects.exists()


def test_html_typed_by_the_account_is_escaped(holder, connection):
    holder.post(NEW, {**NEW_CASE, "description": "<script>alert(1)</script>"})
    case = SupportCase.objects.get()
    assert case.description == "<script>alert(1)</script>"
    page = holder.get(hosted_case(case)).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_another_accounts_case_is_not_found(holder, platform):
    other = SupportCaseFactory(connection=ConnectionFactory(platform=platform))
    assert holder.get(hosted_case(other)).status_code == 404
    assert holder.post(hosted_case(other), {"body": "Hi"}).status_code == 404
    assert not Message.objects.exists()


def test_the_account_does_not_see_other_accounts_cases_in_its_list(holder, connection, platform):
    SupportCaseFactory(connection=ConnectionFactory(platform=platform), subject="Someone else's case")
    assert "Someone else" not in holder.get(CASES).content.decode()


def test_the_account_sees_its_whole_history_not_only_90_days(holder, connection):
    old = timezone.now() - timedelta(days=200)
    SupportCaseFactory(connection=connection, subject="Last year's question", opened_at=old)
    assert "Last year" in holder.get(CASES).content.decode()


def test_provider_answers_appear_on_the_case(holder, case):
    MessageFactory(case=case, provider=True, body="We found your payout.")
    page = holder.get(hosted_case(case)).content.decode()
    assert "We found your payout." in page and "Provider support" in page


def test_the_page_tells_the_account_whether_the_platform_can_read_its_cases(holder, connection):
    assert "can read the cases you opened in the last 90 days" in holder.get(CASES).content.decode()
    Account.objects.filter(pk=connection.account_id).update(shares_support_cases=False)
    assert "not shared with" in holder.get(CASES).content.decode()


def test_hosted_pages_are_never_cached(holder):
    assert "no-cache" in holder.get(CASES)["Cache-Control"]
