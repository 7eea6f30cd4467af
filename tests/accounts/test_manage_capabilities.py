import pytest
from django.urls import reverse

from accounts.models import Capability, Connection
from platform_console.models import AuditEvent
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def url(c):
    return reverse("accounts:capabilities", args=[c.account.public_id])


def requested(c):
    return set(Capability.objects.filter(connection=c, requested=True).values_list("name", flat=True))


def test_unrequest_and_request_again(operator_client, admin, custom_account):
    client = operator_client(admin)
    client.post(url(custom_account), {"capabilities": ["transfers"]})
    assert requested(custom_account) == {"transfers"}
    assert Capability.objects.get(connection=custom_account, name="card_payments").status == "unrequested"
    client.post(url(custom_account), {"capabilities": ["transfers", "card_payments"]})
    assert requested(custom_account) == {"transfers", "card_payments"}
    assert AuditEvent.objects.filter(action="capabilities.updated").count() == 2


def test_requesting_adds_what_it_needs(operator_client, admin, custom_account):
    from requirements_engine.models import Requirement

    client = operator_client(admin)
    client.post(url(custom_account), {"capabilities": ["transfers"]})
    assert not Requirement.objects.filter(connection=custom_account, path="business_profile.mcc").exists()
    client.post(url(custom_account), {"capabilities": ["transfers", "card_payments"]})
    assert Requirement.objects.filter(connection=custom_account, path="business_profile.mcc").exists()


def test_recipient_accounts_cannot_request_card_payments(operator_client, admin, custom_account):
    Connection.objects.filter(pk=custom_account.pk).update(service_agreement="recipient")
    Capability.objects.filter(connection=custom_account, name="card_payments").update(requested=False)
    response = operator_client(admin).post(url(custom_account), {"capabilities": ["transfers", "card_payments"]},
                                           headers={"HX-Request": "true"})
    assert response.status_code == 422 and "recipient" in response.content.decode()
    assert requested(custom_account) == {"transfers"}


def test_at_least_one_capability_stays(operator_client, admin, custom_account):
    response = operator_client(admin).post(url(custom_account), {}, headers={"HX-Request": "true"})
    assert response.status_code == 422 and requested(custom_account) == {"card_payments", "transfers"}


def test_the_section_explains_what_is_not_active(operator_client, admin, custom_account):
    Capability.objects.filter(connection=custom_account, name="card_payments").update(
        status="inactive", disabled_reason="requirements.fields_needed")
    html = operator_client(admin).get(url(custom_account)).content.decode()
    assert "Information needed" in html and "see Actions required" in html


@pytest.mark.parametrize("role,allowed", [("admin", True), ("support_specialist", True), ("analyst", False),
                                          ("view_only", False)])
def test_who_may_edit_capabilities(operator_client, platform, custom_account, role, allowed):
    client = operator_client(MembershipFactory(platform=platform, roles=[role]))
    response = client.post(url(custom_account), {"capabilities": ["transfers"]})
    assert (response.status_code == 302) is allowed
    assert (requested(custom_account) == {"transfers"}) is allowed
