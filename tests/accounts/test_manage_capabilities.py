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


# --- capabilities as data (the field catalogue's capabilities.json) ------------------------------

def test_the_edit_dialog_offers_what_the_country_allows(operator_client, admin, custom_account):
    html = operator_client(admin).get(url(custom_account) + "?edit=1", headers={"HX-Request": "true"}).content.decode()
    for offered in ("Card payments", "Transfers", "ACH Direct Debit", "US 1099-K tax reporting"):
        assert offered in html
    for elsewhere in ("SEPA Direct Debit", "Bacs Direct Debit", "JCB", "Card issuing"):
        assert elsewhere not in html


@pytest.mark.parametrize("country,offered,not_offered", [
    ("GB", "bacs_debit_payments", "sepa_debit_payments"),
    ("DE", "sepa_debit_payments", "bacs_debit_payments"),
    ("NL", "sepa_debit_payments", "us_bank_account_ach_payments"),
    ("JP", "jcb_payments", "tax_reporting_us_1099_k"),
])
def test_capability_choices_per_country(country, offered, not_offered):
    from accounts.field_catalogue import capability_choices

    names = {name for name, _ in capability_choices(country)}
    assert offered in names and not_offered not in names and {"card_payments", "transfers"} <= names


def test_a_capability_brings_its_requirements_and_status(operator_client, admin, custom_account):
    """ACH shares the card payments requirements and adds a support phone; 1099-K reporting adds
    the full SSN of an individual (domain.md §11, rules.json)."""
    from requirements_engine.models import Requirement

    client = operator_client(admin)
    response = client.post(url(custom_account), {"capabilities": ["card_payments", "transfers",
                                                                  "us_bank_account_ach_payments"]})
    assert response.status_code in (200, 302)
    ach = Requirement.objects.get(connection=custom_account, path="business_profile.support_phone", is_future=False)
    assert "us_bank_account_ach_payments" in ach.capabilities and ach.currently_due
    mcc = Requirement.objects.filter(connection=custom_account, path="business_profile.mcc").first()
    assert mcc is None or "us_bank_account_ach_payments" in mcc.capabilities
    statuses = dict(Capability.objects.filter(connection=custom_account).values_list("name", "status"))
    assert statuses["us_bank_account_ach_payments"] == statuses["card_payments"]


def test_a_capability_that_needs_card_payments_or_is_permanent_is_refused_clearly(operator_client, admin,
                                                                                  custom_account):
    client = operator_client(admin)
    response = client.post(url(custom_account), {"capabilities": ["transfers", "us_bank_account_ach_payments"]})
    assert "ACH Direct Debit needs Card payments to be requested too." in response.content.decode()
    assert requested(custom_account) == {"card_payments", "transfers"}
    client.post(url(custom_account), {"capabilities": ["card_payments", "transfers", "tax_reporting_us_1099_k"]})
    assert "tax_reporting_us_1099_k" in requested(custom_account)
    response = client.post(url(custom_account), {"capabilities": ["card_payments", "transfers"]})
    assert "US 1099-K tax reporting cannot be removed once requested." in response.content.decode()
    assert "tax_reporting_us_1099_k" in requested(custom_account)


def test_a_capability_of_another_country_is_refused_by_the_service(admin, custom_account):
    from accounts.errors import AccountError
    from accounts.management_services import set_capabilities

    with pytest.raises(AccountError, match="SEPA Direct Debit is not available for accounts in this country"):
        set_capabilities(actor=admin, connection=custom_account,
                         requested={"card_payments", "transfers", "sepa_debit_payments"})
