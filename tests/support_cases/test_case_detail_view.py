"""The operator's case page and the Support cases panel of Account details."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from tests.factories import ConnectionFactory, MembershipFactory

from .conftest import PRIVATE_TEXT, case_url
from .factories import MessageFactory, SupportCaseFactory

pytestmark = pytest.mark.django_db


def detail_url(connection):
    return reverse("accounts:detail", args=[connection.account.public_id])


@pytest.mark.parametrize(
    "role, status", [("admin", 200), ("developer", 200), ("support", 200), ("analyst", 403), ("viewer", 403)]
)
def test_who_may_read_a_case(operator_client, member, case, role, status):
    assert operator_client(member(role)).get(case_url(case)).status_code == status


def test_the_page_shows_the_whole_conversation_with_the_private_note_marked(
    operator_client, support, conversation
):
    page = operator_client(support).get(case_url(conversation)).content.decode()
    assert "Where is my payout?" in page
    assert "Could you confirm your bank account?" in page and "Yes, it is still open." in page
    assert PRIVATE_TEXT in page
    assert 'data-testid="private-note"' in page
    assert "Only visible to your team and provider support" in page


def test_the_email_form_is_offered_only_to_roles_that_may_email(operator_client, developer, support, case):
    assert 'name="body"' in operator_client(support).get(case_url(case)).content.decode()
    page = operator_client(developer).get(case_url(case)).content.decode()
    assert 'name="body"' not in page and "Your role can read this case but not email provider support" in page


def test_another_platforms_case_is_not_found(operator_client, support, other_platform):
    foreign = SupportCaseFactory(connection=ConnectionFactory(platform=other_platform))
    assert operator_client(support).get(case_url(foreign)).status_code == 404


def test_a_case_of_another_account_is_not_found_under_this_account(
    operator_client, support, connection, platform
):
    other = SupportCaseFactory(connection=ConnectionFactory(platform=platform))
    url = reverse("support_cases:case_detail", args=[connection.account.public_id, other.public_id])
    assert operator_client(support).get(url).status_code == 404


def test_a_malformed_or_unknown_case_id_is_not_found(operator_client, support, connection):
    for case_id in ["case_" + "A" * 24, "nope", "acct_" + "A" * 24]:
        url = reverse("support_cases:case_detail", args=[connection.account.public_id, case_id])
        assert operator_client(support).get(url).status_code == 404


def test_a_case_in_the_other_mode_is_not_found(operator_client, support, platform):
    test_mode = SupportCaseFactory(connection=ConnectionFactory(platform=platform, livemode=False))
    assert (
        operator_client(support).get(case_url(test_mode)).status_code == 404
    )  # the operator is in live mode


def test_a_case_older_than_90_days_is_not_found(operator_client, support, connection):
    old = SupportCaseFactory(connection=connection, opened_at=timezone.now() - timedelta(days=91))
    assert operator_client(support).get(case_url(old)).status_code == 404


@pytest.mark.parametrize(
    "flags, sentence",
    [
        ({"connected_platforms_count": 3}, "connected to more than one platform"),
        ({"is_platform": True}, "itself a platform"),
        ({"shares_support_cases": False}, "opted out of sharing"),
    ],
)
def test_the_case_page_refuses_when_the_account_is_an_exception(
    operator_client, support, case, flags, sentence
):
    Account.objects.filter(pk=case.connection.account_id).update(**flags)
    response = operator_client(support).get(case_url(case))
    page = response.content.decode()
    assert response.status_code == 403
    assert sentence in page and case.subject not in page and case.description not in page


def test_the_panel_lists_the_cases_of_the_last_90_days_newest_first(operator_client, support, connection):
    now = timezone.now()
    SupportCaseFactory(connection=connection, subject="Older case", opened_at=now - timedelta(days=30))
    newest = SupportCaseFactory(
        connection=connection, subject="Newest case", opened_at=now - timedelta(hours=1)
    )
    SupportCaseFactory(connection=connection, subject="Ancient case", opened_at=now - timedelta(days=120))
    page = operator_client(support).get(detail_url(connection)).content.decode()
    assert page.index("Newest case") < page.index("Older case")
    assert "Ancient case" not in page
    assert case_url(newest) in page


def test_the_panel_has_an_empty_state(operator_client, support, connection):
    page = operator_client(support).get(detail_url(connection)).content.decode()
    assert "No support cases in the last 90 days" in page


@pytest.mark.parametrize(
    "flags, sentence",
    [
        ({"connected_platforms_count": 2}, "connected to more than one platform"),
        ({"is_platform": True}, "itself a platform"),
        ({"shares_support_cases": False}, "opted out of sharing"),
    ],
)
def test_the_panel_says_which_exception_applies_and_lists_nothing(
    operator_client, support, case, flags, sentence
):
    Account.objects.filter(pk=case.connection.account_id).update(**flags)
    page = operator_client(support).get(detail_url(case.connection)).content.decode()
    assert sentence in page
    assert case.subject not in page and case_url(case) not in page
    assert "No support cases in the last 90 days" not in page


def test_the_panel_explains_accounts_without_dashboard_access(operator_client, support, platform):
    custom = ConnectionFactory(platform=platform, custom=True)
    case = SupportCaseFactory(connection=custom)
    page = operator_client(support).get(detail_url(custom)).content.decode()
    assert "no dashboard access" in page and case.subject not in page
    assert 'data-testid="send-support-link"' not in page


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_roles_without_access_see_no_cases_in_the_panel(operator_client, member, case, role):
    page = operator_client(member(role)).get(detail_url(case.connection)).content.decode()
    assert "Your role doesn't include reading support cases" in page and case.subject not in page


def test_the_case_page_renders_in_a_fixed_number_of_queries(
    operator_client, support, case, django_assert_num_queries
):
    client = operator_client(support)
    client.get(case_url(case))
    with django_assert_num_queries(7) as few:
        client.get(case_url(case))
    for n in range(10):
        MessageFactory(case=case, provider=n % 2 == 0, body=f"message {n}")
        MessageFactory(
            case=case, private=True, membership=MembershipFactory(platform=case.platform), body=f"note {n}"
        )
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(case_url(case))
