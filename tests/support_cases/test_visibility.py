"""Which cases the platform sees (domain.md §7.6): the last 90 days, newest first, and none at all
for accounts connected to several platforms, platforms themselves, accounts that opted out, and
accounts without dashboard access. The boundary: opened exactly 90 days ago is in; 90 days and
one second ago is out."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.http import Http404

from accounts.models import Account
from support_cases.errors import CasesHidden
from support_cases.selectors import hidden_reasons, operator_case, operator_cases
from tests.factories import ConnectionFactory

from .factories import SupportCaseFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 30, 12, 0, 0, tzinfo=UTC)


def cases_of(connection, now=NOW):
    return [case.subject for case in operator_cases(connection, now=now).cases]


def test_a_case_opened_exactly_90_days_ago_is_listed(connection):
    SupportCaseFactory(connection=connection, subject="edge", opened_at=NOW - timedelta(days=90))
    assert cases_of(connection) == ["edge"]


def test_a_case_opened_90_days_and_one_second_ago_is_not(connection):
    SupportCaseFactory(
        connection=connection, subject="too old", opened_at=NOW - timedelta(days=90, seconds=1)
    )
    assert cases_of(connection) == []


def test_the_window_follows_the_clock(connection):
    SupportCaseFactory(connection=connection, subject="edge", opened_at=NOW - timedelta(days=90))
    with time_machine.travel(NOW, tick=False):
        assert [c.subject for c in operator_cases(connection).cases] == ["edge"]
    with time_machine.travel(NOW + timedelta(seconds=1), tick=False):
        assert operator_cases(connection).cases == []


def test_cases_are_listed_newest_first(connection):
    for days, subject in [(10, "older"), (1, "newest"), (30, "oldest")]:
        SupportCaseFactory(connection=connection, subject=subject, opened_at=NOW - timedelta(days=days))
    assert cases_of(connection) == ["newest", "older", "oldest"]


def test_only_this_connections_cases_are_listed(connection, platform):
    SupportCaseFactory(connection=connection, subject="mine", opened_at=NOW)
    SupportCaseFactory(
        connection=ConnectionFactory(platform=platform), subject="another account's", opened_at=NOW
    )
    assert cases_of(connection) == ["mine"]


@pytest.mark.parametrize(
    "flags, code",
    [
        ({"connected_platforms_count": 2}, "multiple_platforms"),
        ({"is_platform": True}, "is_platform"),
        ({"shares_support_cases": False}, "opted_out"),
    ],
)
def test_each_exception_hides_every_case_and_says_why(connection, flags, code):
    SupportCaseFactory(connection=connection, opened_at=NOW)
    Account.objects.filter(pk=connection.account_id).update(**flags)
    connection.account.refresh_from_db()
    listing = operator_cases(connection, now=NOW)
    assert listing.hidden and listing.cases == []
    assert [reason.code for reason in listing.reasons] == [code]


def test_an_account_once_connected_to_two_platforms_stays_hidden(connection):
    # connected_platforms_count counts every platform ever, not the current connections.
    Account.objects.filter(pk=connection.account_id).update(connected_platforms_count=2)
    connection.account.refresh_from_db()
    assert [r.code for r in hidden_reasons(connection)] == ["multiple_platforms"]


def test_every_reason_that_applies_is_given(connection):
    Account.objects.filter(pk=connection.account_id).update(is_platform=True, shares_support_cases=False)
    connection.account.refresh_from_db()
    assert [r.code for r in hidden_reasons(connection)] == ["is_platform", "opted_out"]


def test_express_accounts_show_their_cases(platform):
    express = ConnectionFactory(platform=platform, express=True)
    SupportCaseFactory(connection=express, subject="express case", opened_at=NOW)
    assert cases_of(express) == ["express case"]


def test_accounts_without_dashboard_access_have_no_cases_to_show(platform):
    custom = ConnectionFactory(platform=platform, custom=True)
    SupportCaseFactory(connection=custom, opened_at=NOW)
    listing = operator_cases(custom, now=NOW)
    assert listing.cases == [] and [r.code for r in listing.reasons] == ["no_dashboard"]
    assert listing.hidden_title == "Support cases don't apply to this account"


def test_the_case_selector_refuses_hidden_accounts_before_looking_the_case_up(connection):
    Account.objects.filter(pk=connection.account_id).update(shares_support_cases=False)
    connection.account.refresh_from_db()
    with pytest.raises(CasesHidden):
        operator_case(connection, "case_" + "x" * 24, now=NOW)


def test_the_case_selector_applies_the_window(connection):
    inside = SupportCaseFactory(connection=connection, opened_at=NOW - timedelta(days=90))
    outside = SupportCaseFactory(connection=connection, opened_at=NOW - timedelta(days=90, seconds=1))
    assert operator_case(connection, inside.public_id, now=NOW) == inside
    with pytest.raises(Http404):
        operator_case(connection, outside.public_id, now=NOW)


def test_the_panel_reads_in_one_query(connection, django_assert_num_queries):
    for days in range(5):
        SupportCaseFactory(connection=connection, opened_at=NOW - timedelta(days=days))
    with django_assert_num_queries(1):
        assert len(operator_cases(connection, now=NOW).cases) == 5
