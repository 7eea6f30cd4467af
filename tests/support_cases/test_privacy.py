"""Platform messages are private: no page or partial of the account's side ever contains them —
not the hosted support pages, not the account-side partials that View Dashboard As reuses."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from support_cases import selectors
from support_cases.services import email_support

from .conftest import PRIVATE_TEXT
from .factories import SupportCaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def noted(conversation, support):
    """The conversation plus a second private note sent through the real service."""
    email_support(actor=support, case=conversation, body="SECOND-PRIVATE-NOTE from the team")
    return conversation


PRIVATE = [PRIVATE_TEXT, "SECOND-PRIVATE-NOTE", "Sam Support", "Private note", "your team"]


def assert_private_absent(html: str) -> None:
    for text in PRIVATE:
        assert text not in html, text


def test_every_hosted_page_leaves_platform_messages_out(holder, noted):
    pages = [
        reverse("support_cases:hosted_cases"),
        reverse("support_cases:hosted_new_case"),
        reverse("support_cases:hosted_case", args=[noted.public_id]),
    ]
    for url in pages:
        response = holder.get(url)
        assert response.status_code == 200
        assert_private_absent(response.content.decode())


def test_the_hosted_case_still_shows_the_account_and_provider_messages(holder, noted):
    page = holder.get(reverse("support_cases:hosted_case", args=[noted.public_id])).content.decode()
    assert "Could you confirm your bank account?" in page and "Yes, it is still open." in page


def test_failed_replies_re_render_without_platform_messages(holder, noted):
    response = holder.post(reverse("support_cases:hosted_case", args=[noted.public_id]), {"body": ""})
    assert response.status_code == 422
    assert_private_absent(response.content.decode())


def test_the_account_side_selector_never_returns_platform_messages(noted, connection):
    case = selectors.account_side_case(connection, noted.public_id)
    assert [m.author for m in case.messages] == ["provider", "account"]
    assert all(PRIVATE_TEXT not in m.body for m in case.messages)


def test_the_account_side_view_objects_offer_no_way_to_the_model(noted, connection):
    case = selectors.account_side_case(connection, noted.public_id)
    assert not hasattr(case, "connection") and not hasattr(case.messages, "all")


def test_the_account_side_partials_leave_platform_messages_out(noted, connection):
    cases = selectors.account_side_cases(connection)
    html = render_to_string("support_cases/account/_cases.html", {"cases": cases})
    html += render_to_string(
        "support_cases/account/_case.html", {"case": selectors.account_side_case(connection, noted.public_id)}
    )
    assert noted.subject in html and "Yes, it is still open." in html
    assert_private_absent(html)


def test_the_list_partial_renders_read_only_without_links(noted, connection):
    html = render_to_string(
        "support_cases/account/_cases.html", {"cases": selectors.account_side_cases(connection)}
    )
    assert "<a " not in html and "<form" not in html


def test_a_case_with_only_private_notes_shows_none_of_them(holder, connection, support):
    quiet = SupportCaseFactory(connection=connection, subject="Quiet case")
    email_support(actor=support, case=quiet, body="ONLY-A-PRIVATE-NOTE")
    page = holder.get(reverse("support_cases:hosted_case", args=[quiet.public_id])).content.decode()
    assert "Quiet case" in page and "ONLY-A-PRIVATE-NOTE" not in page


def test_the_link_email_to_the_account_contains_no_platform_message(noted, admin, connection, run_on_commit):
    from django.core import mail

    from support_cases.services import issue_support_link

    mail.outbox.clear()
    with run_on_commit():
        issue_support_link(actor=admin, connection=connection)
    (sent,) = mail.outbox
    assert_private_absent(sent.body + sent.alternatives[0][0])


def test_a_private_note_does_not_show_through_as_activity_on_the_account_side(case, support, connection):
    before = selectors.account_side_cases(connection)[0].updated_at
    email_support(actor=support, case=case, body="Context")
    assert selectors.account_side_cases(connection)[0].updated_at == before


def test_view_dashboard_as_leaves_platform_messages_out(operator_client, admin, noted, connection):
    client = operator_client(admin)
    client.post(reverse("accounts:view_as_start", args=[connection.account.public_id]))
    listing = client.get(reverse("view_as:support")).content.decode()
    detail = client.get(reverse("view_as:support"), {"case": noted.public_id}).content.decode()
    htmx = client.get(reverse("view_as:support"), {"case": noted.public_id},
                      headers={"HX-Request": "true", "Console-Account": connection.account.public_id}).content.decode()
    assert noted.subject in listing and 'data-testid="account-case-timeline"' in detail
    for html in (listing, detail, htmx):
        assert PRIVATE_TEXT not in html and "SECOND-PRIVATE-NOTE" not in html
