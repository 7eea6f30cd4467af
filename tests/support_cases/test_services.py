"""The case services: who is next to act after each message, and an audit event for every message."""

import pytest

from platform_console.models import AuditEvent
from support_cases.errors import CaseClosed, SupportCaseError
from support_cases.models import SupportCase
from support_cases.services import account_reply, email_support, open_case, provider_respond
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


def opened(connection):
    return open_case(connection=connection, subject="Help", description="Please help.", category="other")


def test_a_new_case_is_open_and_on_the_connections_platform(connection):
    case = opened(connection)
    assert (
        case.status == "open"
        and case.platform_id == connection.platform_id
        and case.public_id.startswith("case_")
    )


def test_a_provider_answer_waits_on_the_account_and_its_reply_waits_on_support(connection, staff):
    case = opened(connection)
    provider_respond(case=case, staff_user=staff, body="Which payout?")
    case.refresh_from_db()
    assert case.status == "waiting_on_account"
    account_reply(connection=connection, case_id=case.public_id, body="The one from Monday.")
    case.refresh_from_db()
    assert case.status == "waiting_on_provider"


def test_a_second_account_message_on_an_open_case_keeps_it_open(connection):
    case = opened(connection)
    account_reply(connection=connection, case_id=case.public_id, body="Also, one more thing.")
    case.refresh_from_db()
    assert case.status == "open"


def test_a_platform_note_does_not_change_who_acts(connection, support, staff):
    case = opened(connection)
    provider_respond(case=case, staff_user=staff, body="Which payout?")
    email_support(actor=support, case=case, body="Context")
    case.refresh_from_db()
    assert case.status == "waiting_on_account"


def test_every_message_sent_is_audited(connection, support, staff):
    case = opened(connection)
    account_reply(connection=connection, case_id=case.public_id, body="More detail.")
    provider_respond(case=case, staff_user=staff, body="Answer.")
    email_support(actor=support, case=case, body="Context")
    actions = list(
        AuditEvent.objects.filter(object_id=case.public_id).order_by("id").values_list("action", flat=True)
    )
    assert actions == [
        "support_case.opened",
        "support_case.account_replied",
        "support_case.provider_replied",
        "support_case.status_changed",
        "support_case.platform_message_sent",
    ]


def test_a_closed_case_takes_no_account_reply(connection, staff):
    case = opened(connection)
    provider_respond(case=case, staff_user=staff, status="closed")
    with pytest.raises(CaseClosed):
        account_reply(connection=connection, case_id=case.public_id, body="Hello?")


def test_an_account_cannot_reply_on_another_accounts_case(connection, platform):
    other = opened(ConnectionFactory(platform=platform))
    with pytest.raises(SupportCaseError):
        account_reply(connection=connection, case_id=other.public_id, body="Hi")


def test_accounts_without_dashboard_access_do_not_open_cases(platform):
    with pytest.raises(SupportCaseError):
        opened(ConnectionFactory(platform=platform, custom=True))
    assert not SupportCase.objects.exists()


def test_the_database_refuses_a_closed_case_without_a_closing_time(case):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        SupportCase.objects.filter(pk=case.pk).update(status="closed")
