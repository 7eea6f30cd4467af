import pytest
from django.test import Client
from django.urls import reverse

from support_cases import services
from tests.factories import UserFactory

from .factories import MessageFactory, SupportCaseFactory

PRIVATE_TEXT = "PRIVATE-CONTEXT: the driver changed banks last month"
ROLES = ["admin", "developer", "analyst", "support", "viewer"]


@pytest.fixture
def case(connection):
    """An open case of Acme Bakery (full dashboard access, shares its cases), opened just now."""
    return SupportCaseFactory(
        connection=connection, subject="Payout is late", description="Where is my payout?"
    )


@pytest.fixture
def conversation(case, support):
    """The case with an answer from provider support, a reply from the account and a private note."""
    MessageFactory(case=case, provider=True, body="Could you confirm your bank account?")
    MessageFactory(case=case, body="Yes, it is still open.")
    MessageFactory(case=case, private=True, membership=support, body=PRIVATE_TEXT)
    return case


@pytest.fixture
def staff(db):
    return UserFactory(email="agent@provider.test", is_staff=True, is_superuser=True)


@pytest.fixture
def member(request):
    """The membership fixture named by a `role` parameter."""
    return lambda role: request.getfixturevalue(role)


@pytest.fixture
def holder(connection, admin):
    """A browser of the account holder inside a support link of Acme Bakery."""
    _link, token = services.issue_support_link(actor=admin, connection=connection)
    browser = Client()
    assert browser.get(reverse("support_cases:hosted_entry", args=[token])).status_code == 302
    browser.token = token
    return browser


def case_url(case, name: str = "support_cases:case_detail") -> str:
    return reverse(name, args=[case.connection.account.public_id, case.public_id])
