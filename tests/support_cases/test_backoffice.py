"""Provider staff answer cases and change their status in the back office; the admin's save hooks
go through services.provider_respond."""

import pytest
from django.urls import reverse

from platform_console.models import AuditEvent
from support_cases.errors import NotAllowed
from support_cases.models import Message, SupportCase
from support_cases.services import provider_respond
from tests.factories import UserFactory

from .conftest import PRIVATE_TEXT

pytestmark = pytest.mark.django_db


def change_url(case):
    return reverse("admin:support_cases_supportcase_change", args=[case.pk])


def form_data(case, *, status=None, reply=""):
    conversation = case.messages.count()
    return {
        "status": status or case.status,
        "messages-TOTAL_FORMS": str(conversation),
        "messages-INITIAL_FORMS": str(conversation),
        "messages-MIN_NUM_FORMS": "0",
        "messages-MAX_NUM_FORMS": "1000",
        **{f"messages-{n}-id": str(m.pk) for n, m in enumerate(case.messages.order_by("created_at", "id"))},
        **{f"messages-{n}-case": str(case.pk) for n in range(conversation)},
        "messages-2-TOTAL_FORMS": "1",
        "messages-2-INITIAL_FORMS": "0",
        "messages-2-MIN_NUM_FORMS": "0",
        "messages-2-MAX_NUM_FORMS": "1",
        "messages-2-0-body": reply,
        "messages-2-0-case": str(case.pk),
    }


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def test_staff_read_the_whole_conversation_including_private_notes(staff_client, conversation):
    page = staff_client.get(change_url(conversation)).content.decode()
    assert PRIVATE_TEXT in page and "Could you confirm your bank account?" in page


def test_a_reply_in_the_back_office_reaches_the_account_and_hands_it_the_case(
    staff_client, conversation, staff
):
    response = staff_client.post(
        change_url(conversation), form_data(conversation, reply="Your payout is on its way.")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    reply = Message.objects.get(body="Your payout is on its way.")
    assert (
        reply.author_kind == "provider"
        and reply.staff_user == staff
        and reply.author_label == "Provider support"
    )
    conversation.refresh_from_db()
    assert conversation.status == "waiting_on_account"
    assert AuditEvent.objects.filter(action="support_case.provider_replied", actor_label="provider").exists()


def test_closing_a_case_in_the_back_office_records_when(staff_client, case):
    staff_client.post(change_url(case), form_data(case, status="closed"))
    case.refresh_from_db()
    assert case.status == "closed" and case.closed_at is not None
    event = AuditEvent.objects.get(action="support_case.status_changed")
    assert event.before == {"status": "open"} and event.after == {"status": "closed"}


def test_an_explicit_status_wins_over_the_reply_default(staff_client, case):
    staff_client.post(change_url(case), form_data(case, status="closed", reply="Resolved, closing."))
    case.refresh_from_db()
    assert case.status == "closed" and case.messages.get().body == "Resolved, closing."


def test_an_over_long_reply_is_refused_in_the_form(staff_client, case):
    response = staff_client.post(change_url(case), form_data(case, reply="r" * 5001))
    assert response.status_code == 200 and "5000" in response.content.decode()
    assert not Message.objects.exists()


def test_messages_already_sent_cannot_be_changed(staff_client, conversation):
    data = form_data(conversation)
    data["messages-0-body"] = "rewritten"
    staff_client.post(change_url(conversation), data)
    assert not Message.objects.filter(body="rewritten").exists()


def test_cases_cannot_be_added_or_deleted_in_the_back_office(staff_client, case):
    assert staff_client.get(reverse("admin:support_cases_supportcase_add")).status_code == 403
    assert (
        staff_client.post(reverse("admin:support_cases_supportcase_delete", args=[case.pk])).status_code
        == 403
    )
    assert SupportCase.objects.filter(pk=case.pk).exists()


def test_reopening_a_closed_case_clears_its_closed_time(case, staff):
    provider_respond(case=case, staff_user=staff, status="closed")
    provider_respond(case=case, staff_user=staff, status="waiting_on_account")
    case.refresh_from_db()
    assert case.status == "waiting_on_account" and case.closed_at is None


def test_only_staff_answer(case):
    with pytest.raises(NotAllowed):
        provider_respond(case=case, staff_user=UserFactory(is_staff=False), body="Hi")
    assert not Message.objects.exists()


def test_saving_without_a_reply_or_a_new_status_changes_nothing(staff_client, case):
    before = case.updated_at
    staff_client.post(change_url(case), form_data(case))
    case.refresh_from_db()
    assert case.updated_at == before and not AuditEvent.objects.exists()
