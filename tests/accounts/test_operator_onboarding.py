import pytest
from django.urls import reverse

from accounts.models import Connection, ExternalAccount, Person
from accounts.services import PRESETS, create_account
from platform_console.models import AuditEvent
from tests.factories import ConnectionFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def custom(admin):
    connection, _ = create_account(actor=admin, livemode=True, country="US", email="h@shop.example",
                                   dashboard_type="none", **PRESETS["none"])
    return connection


def url(connection, step):
    return reverse("accounts:onboarding", args=[connection.account.public_id, step])


def test_details_page_offers_to_finish_onboarding(operator_client, admin, custom):
    html = operator_client(admin).get(reverse("accounts:detail", args=[custom.account.public_id])).content.decode()
    assert 'data-testid="finish-onboarding"' in html and "Continue onboarding" in html


def test_an_operator_fills_in_the_steps_and_submits(operator_client, admin, custom):
    client = operator_client(admin)
    assert client.post(url(custom, "business_type"), {"business_type": "individual"})["Location"] == url(custom, "business_details")
    client.post(url(custom, "business_details"), {"url": "https://shop.example", "mcc": "5999"})
    client.post(url(custom, "personal_details"), {
        "first_name": "Jamie", "last_name": "Lee", "email": "jamie@shop.example", "phone": "+14155550100",
        "dob": "1990-02-03", "address_line1": "1 Main", "address_city": "Austin", "address_state": "TX",
        "address_postal_code": "73301", "ssn_last_4": "0000"})
    response = client.post(url(custom, "payout_account"), {"kind": "bank_account", "account_holder_name": "Jamie Lee",
                                                           "routing_number": "110000000", "account_number": "000123456789"})
    assert response["Location"] == url(custom, "review")
    assert client.post(url(custom, "review"))["Location"] == reverse("accounts:detail", args=[custom.account.public_id])
    connection = Connection.objects.get(pk=custom.pk)
    assert connection.details_submitted and connection.tos_accepted_at is None
    assert Person.objects.get(account=connection.account, is_account_individual=True).full_name == "Jamie Lee"
    assert ExternalAccount.objects.filter(account=connection.account).count() == 1
    actions = set(AuditEvent.objects.filter(account_public_id=connection.account.public_id).values_list("action", flat=True))
    assert {"account.details_saved", "individual.saved", "external_account.added", "onboarding.submitted"} <= actions
    assert AuditEvent.objects.filter(action="individual.saved", actor=admin).exists()


def test_submitting_with_details_missing_is_refused(operator_client, admin, custom):
    client = operator_client(admin)
    response = client.post(url(custom, "review"), follow=True)
    assert "still missing" in response.content.decode()
    assert not Connection.objects.get(pk=custom.pk).details_submitted


@pytest.mark.parametrize("role", ["analyst", "view_only"])
def test_roles_without_edit_rights_cannot_onboard(operator_client, platform, custom, role):
    client = operator_client(MembershipFactory(platform=platform, roles=[role]))
    assert client.post(url(custom, "business_type"), {"business_type": "company"}).status_code == 403
    assert Connection.objects.get(pk=custom.pk).account.business_type == ""


def test_support_specialists_can_onboard(operator_client, support, custom):
    response = operator_client(support).post(url(custom, "business_type"), {"business_type": "company"})
    assert response.status_code == 302


def test_accounts_that_collect_their_own_information_are_refused(operator_client, admin, platform):
    express = ConnectionFactory(platform=platform, express=True, details_submitted=False)
    assert operator_client(admin).get(url(express, "business_type")).status_code == 403


def test_another_platforms_account_is_not_found(operator_client, admin, other_platform):
    theirs = ConnectionFactory(platform=other_platform, custom=True, details_submitted=False)
    assert operator_client(admin).get(url(theirs, "business_type")).status_code == 404
