import pytest
from django.urls import reverse

from accounts.errors import ClearingNeedsConfirmation
from accounts.management_services import update_profile
from accounts.models import Account
from platform_console.models import AuditEvent
from tests.factories import ConnectionFactory, MembershipFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
VALID = {"name": "Acme Bakery & Café", "email": "hello@acme.example", "url": "https://acme.example", "mcc": "5462",
         "product_description": "Bread.", "support_email": "help@acme.example", "support_phone": "+14155550100",
         "support_url": "https://acme.example/help", "phone": "+14155550101", "address_line1": "1 Market St",
         "address_line2": "", "address_city": "San Francisco", "address_state": "CA", "address_postal_code": "94103"}


def url(connection):
    return reverse("accounts:profile", args=[connection.account.public_id])


def test_edit_swaps_the_section_to_a_form_and_back(operator_client, admin, custom_account):
    client = operator_client(admin)
    form = client.get(url(custom_account) + "?edit=1", headers=HTMX).content.decode()
    assert form.lstrip().startswith('<section class="card section-card is-editing" id="profile-section"')
    response = client.post(url(custom_account), VALID, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and 'id="profile-section"' in html and "is-editing" not in html
    assert "Acme Bakery &amp; Café" in html and "account-changed" in response["HX-Trigger"]
    assert Account.objects.get(pk=custom_account.account_id).name == "Acme Bakery & Café"


def test_changes_are_audited_with_before_and_after(operator_client, admin, custom_account):
    operator_client(admin).post(url(custom_account), VALID, headers=HTMX)
    event = AuditEvent.objects.get(action="account.profile_updated")
    assert event.before["name"] == "Acme Bakery" and event.after["name"] == "Acme Bakery & Café"
    assert "mcc" in event.after and event.actor == admin


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("email", "not-an-email", "valid email"),
        ("support_email", "x@", "valid email"),
        ("url", "http://acme.example", "https://"),
        ("support_url", "javascript:alert(1)", "https://"),
        ("phone", "555-1234", "international format"),
        ("support_phone", "+1", "international format"),
        ("address_postal_code", "ABCDE", "ZIP"),
        ("address_state", "XX", "state code"),
        ("mcc", "1234", "Select a valid choice"),
        ("name", "x" * 201, "at most 200"),
    ],
)
def test_each_field_is_validated_next_to_itself(operator_client, admin, custom_account, field, value, message):
    response = operator_client(admin).post(url(custom_account), {**VALID, field: value}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 422 and f'id="id_{field}_error"' in html and message in html
    assert Account.objects.get(pk=custom_account.account_id).name == "Acme Bakery"


def test_postal_codes_follow_the_accounts_country(operator_client, admin, custom_account):
    Account.objects.filter(pk=custom_account.account_id).update(country="GB")
    ok = operator_client(admin).post(url(custom_account), {**VALID, "address_state": "", "address_postal_code": "SW1A 1AA"},
                                     headers=HTMX)
    assert ok.status_code == 200


def test_html_is_stored_as_text_and_escaped(operator_client, admin, custom_account):
    response = operator_client(admin).post(url(custom_account), {**VALID, "name": "<b>Bold</b>"}, headers=HTMX)
    assert "<b>Bold</b>" not in response.content.decode() and "&lt;b&gt;Bold&lt;/b&gt;" in response.content.decode()


@pytest.mark.parametrize("role", ["analyst", "view_only"])
def test_roles_without_edit_rights_cannot_edit(operator_client, platform, custom_account, role):
    client = operator_client(MembershipFactory(platform=platform, roles=[role]))
    assert 'data-testid="edit-profile"' not in client.get(reverse("accounts:detail", args=[custom_account.account.public_id])).content.decode()
    assert client.post(url(custom_account), VALID).status_code == 403
    assert Account.objects.get(pk=custom_account.account_id).name == "Acme Bakery"


def test_accounts_that_collect_their_own_information_are_read_only(operator_client, admin, platform):
    express = ConnectionFactory(platform=platform, express=True)
    html = operator_client(admin).get(reverse("accounts:detail", args=[express.account.public_id])).content.decode()
    assert 'data-testid="edit-profile"' not in html and "remediation link" in html
    assert operator_client(admin).post(url(express), VALID).status_code == 403


def test_without_htmx_the_edit_redirects(operator_client, admin, custom_account):
    response = operator_client(admin).post(url(custom_account), VALID)
    assert response.status_code == 302


# --- only what was sent changes; clearing is an explicit action ---------------------------------

PROFILE = {k: v for k, v in VALID.items() if k != "address_line2"}


@pytest.fixture
def filled(custom_account):
    """Acme Bakery with every profile detail set."""
    Account.objects.filter(pk=custom_account.account_id).update(**PROFILE, address_line2="Unit 4")
    return custom_account


def stored(connection) -> dict:
    return Account.objects.filter(pk=connection.account_id).values(*VALID).get()


def test_an_empty_post_changes_nothing(operator_client, admin, filled):
    response = operator_client(admin).post(url(filled), {}, headers=HTMX)
    assert response.status_code == 422 and "Nothing to save" in response.content.decode()
    assert stored(filled) == {**PROFILE, "address_line2": "Unit 4"}
    assert not AuditEvent.objects.filter(action="account.profile_updated").exists()


def test_fields_missing_from_the_post_keep_their_value(operator_client, admin, filled):
    response = operator_client(admin).post(url(filled), {"name": "Acme Bread"}, headers=HTMX)
    assert response.status_code == 200
    assert stored(filled) == {**PROFILE, "name": "Acme Bread", "address_line2": "Unit 4"}
    assert AuditEvent.objects.get(action="account.profile_updated").after == {"name": "Acme Bread"}


@pytest.mark.parametrize("field", ["email", "url", "mcc", "phone", "address_line1", "address_postal_code"])
def test_emptying_a_detail_the_provider_relies_on_asks_for_confirmation(operator_client, admin, filled, field):
    response = operator_client(admin).post(url(filled), {**VALID, field: ""}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 422 and f'id="id_{field}_error"' in html and "Saving clears this" in html
    assert 'name="confirm_clear"' in html
    assert stored(filled)[field] == PROFILE[field]


def test_the_confirmation_box_is_not_shown_until_needed(operator_client, admin, filled):
    html = operator_client(admin).get(url(filled) + "?edit=1", headers=HTMX).content.decode()
    assert 'name="confirm_clear"' not in html


def test_a_confirmed_clear_empties_the_detail(operator_client, admin, filled):
    data = {**VALID, "address_line2": "Unit 4", "url": "", "confirm_clear": "on"}
    response = operator_client(admin).post(url(filled), data, headers=HTMX)
    assert response.status_code == 200 and stored(filled)["url"] == ""
    assert AuditEvent.objects.get(action="account.profile_updated").after == {"url": ""}


@pytest.mark.parametrize("field", ["support_email", "support_url", "address_line2"])
def test_optional_details_clear_without_confirmation(operator_client, admin, filled, field):
    response = operator_client(admin).post(url(filled), {**VALID, field: ""}, headers=HTMX)
    assert response.status_code == 200 and stored(filled)[field] == ""


def test_the_service_refuses_to_empty_a_relied_on_detail_unless_confirmed(admin, filled):
    with pytest.raises(ClearingNeedsConfirmation) as refusal:
        update_profile(actor=admin, connection=filled, data={"email": "", "mcc": "", "name": "Still Acme"})
    assert refusal.value.fields == ["email", "mcc"] and stored(filled)["name"] == "Acme Bakery & Café"
    update_profile(actor=admin, connection=filled, data={"email": ""}, confirm_clear=True)
    assert stored(filled)["email"] == ""


def test_address_line_2_is_saved(operator_client, admin, custom_account):
    operator_client(admin).post(url(custom_account), {**VALID, "address_line2": "Unit 4"}, headers=HTMX)
    assert stored(custom_account)["address_line2"] == "Unit 4"


def test_a_saved_profile_brings_the_headers_status_badge_along(operator_client, admin, custom_account):
    """The save recomputes the requirements, which can change the status: the header's badge is
    swapped out of band, not left stale beside an updated Actions required card."""
    from accounts.models import Connection

    Connection.objects.filter(pk=custom_account.pk).update(status="rejected")  # a stale badge to replace
    html = operator_client(admin).post(url(custom_account), VALID, headers=HTMX).content.decode()
    custom_account.refresh_from_db()
    assert custom_account.status != "rejected"
    badge = html.split('<span id="account-status-slot" hx-swap-oob="true">', 1)[1].split("</span></span>", 1)[0]
    assert f">{custom_account.get_status_display()}<" in badge and 'data-testid="account-status"' in badge


def test_a_companys_legal_name_and_tax_id_are_edited_in_the_profile(operator_client, admin, custom_account):
    client = operator_client(admin)
    form = client.get(url(custom_account) + "?edit=1", headers=HTMX).content.decode()
    assert "Legal business name" in form and 'name="tax_id"' in form and "None on file yet" in form
    data = {**VALID, "legal_name": "Acme Bakery Holdings LLC", "tax_id": "12-3456789"}
    html = client.post(url(custom_account), data, headers=HTMX).content.decode()
    account = Account.objects.get(pk=custom_account.account_id)
    assert account.legal_name == "Acme Bakery Holdings LLC" and account.tax_id_provided
    assert 'data-testid="profile-tax-id">Provided' in html and "12-3456789" not in html
    event = AuditEvent.objects.get(action="account.profile_updated")
    assert event.after["legal_name"] == "Acme Bakery Holdings LLC" and event.after["tax_id_provided"] is True
    assert "12-3456789" not in str(event.after) + str(event.before)  # write-only, never recorded


def test_a_blank_tax_id_keeps_the_one_on_file_and_a_malformed_one_is_refused(operator_client, admin, custom_account):
    Account.objects.filter(pk=custom_account.account_id).update(tax_id_provided=True)
    client = operator_client(admin)
    assert "One is on file" in client.get(url(custom_account) + "?edit=1", headers=HTMX).content.decode()
    client.post(url(custom_account), {**VALID, "legal_name": "Acme Bakery LLC", "tax_id": ""}, headers=HTMX)
    assert Account.objects.get(pk=custom_account.account_id).tax_id_provided
    response = client.post(url(custom_account), {**VALID, "legal_name": "Acme Bakery LLC", "tax_id": "12"},
                           headers=HTMX)
    assert response.status_code == 422 and 'id="id_tax_id_error"' in response.content.decode()


def test_an_individuals_profile_has_no_legal_business_name_or_tax_id(operator_client, admin, platform):
    from tests.factories import AccountFactory

    person = ConnectionFactory(platform=platform, account=AccountFactory(business_type="individual"), custom=True)
    form = operator_client(admin).get(url(person) + "?edit=1", headers=HTMX).content.decode()
    assert 'name="legal_name"' not in form and 'name="tax_id"' not in form
