import json

import pytest
from django.urls import reverse

from accounts.models import Connection
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
LIST = reverse("accounts:list")
CREATE = reverse("accounts:create")
HTMX = {"HX-Request": "true"}


def form(**changes):
    return {"dashboard_type": "express", "country": "US", "email": "holder@acme.example",
            "capabilities": ["card_payments", "transfers"], "business_type": "", "metadata": "", **changes}


@pytest.mark.parametrize("role", ["admin", "developer"])
def test_admins_and_developers_get_an_enabled_create_button(operator_client, platform, role):
    html = operator_client(MembershipFactory(platform=platform, roles=[role])).get(LIST).content.decode()
    assert 'data-testid="create-button"' in html and "+ Create" in html


@pytest.mark.parametrize("role", ["analyst", "support_specialist", "view_only"])
def test_other_roles_see_the_button_disabled_with_the_reason(operator_client, platform, role):
    html = operator_client(MembershipFactory(platform=platform, roles=[role])).get(LIST).content.decode()
    assert 'data-testid="create-button"' not in html
    assert "disabled" in html and "Only Administrators and Developers can create connected accounts." in html


@pytest.mark.parametrize("role", ["analyst", "support_specialist", "view_only"])
def test_a_forged_create_request_is_refused(operator_client, platform, role):
    response = operator_client(MembershipFactory(platform=platform, roles=[role])).post(CREATE, form(), headers=HTMX)
    assert response.status_code == 403
    assert not Connection.objects.exists()


def test_a_french_platform_explains_instead_of_offering_the_button(operator_client, admin):
    admin.platform.country = "FR"
    admin.platform.save()
    html = operator_client(admin).get(LIST).content.decode()
    assert 'data-testid="create-button"' not in html and "only through hosted onboarding" in html
    assert operator_client(admin).post(CREATE, form(country="FR"), headers=HTMX).status_code == 403


def test_an_incomplete_profile_is_explained_in_the_dialog_with_a_link(operator_client, admin):
    admin.platform.platform_profile_completed = False
    admin.platform.save()
    html = operator_client(admin).get(CREATE, headers=HTMX).content.decode()
    assert "Complete your platform profile" in html and reverse("platform_profile") in html
    response = operator_client(admin).post(CREATE, form(), headers=HTMX)
    assert response.status_code == 422 and not Connection.objects.exists()


def test_the_dialog_is_a_fragment_over_htmx_and_a_page_without(operator_client, admin):
    client = operator_client(admin)
    fragment = client.get(CREATE, headers=HTMX).content.decode()
    assert fragment.lstrip().startswith("<dialog") and "<nav" not in fragment
    page = client.get(CREATE).content.decode()
    assert "<!doctype html>" in page and "Create a connected account" in page


def test_errors_appear_next_to_their_fields_and_keep_the_input(operator_client, admin):
    response = operator_client(admin).post(CREATE, form(email="not-an-email", metadata="no colon here"), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_email_error"' in html and 'id="id_metadata_error"' in html
    assert "write metadata as key: value" in html and 'value="not-an-email"' in html
    assert not Connection.objects.exists()


def test_the_edit_step_shows_the_controller_properties_with_the_preset(operator_client, admin):
    html = operator_client(admin).post(CREATE, form(step="edit", dashboard_type="none"), headers=HTMX).content.decode()
    assert 'data-testid="controller-fields"' in html
    assert '<option value="application" selected>Your platform</option>' in html
    assert not Connection.objects.exists()


def test_edited_controller_properties_are_validated(operator_client, admin):
    data = form(customize="True", losses_payments="stripe", fees_payer="application_express", requirement_collection="stripe")
    response = operator_client(admin).post(CREATE, data, headers=HTMX)
    assert response.status_code == 422 and "Express accounts need your platform" in response.content.decode()


def test_express_creation_shows_the_link_with_a_copy_button(operator_client, admin):
    response = operator_client(admin).post(CREATE, form(), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="onboarding-url"' in html and "/onboard/" in html
    assert "data-copy=" in html and "accounts-changed" in json.loads(response["HX-Trigger"])
    connection = Connection.objects.get()
    assert connection.livemode is True and connection.dashboard_type == "express"


def test_creation_follows_the_test_mode_switch(operator_client, admin):
    client = operator_client(admin)
    client.post(reverse("set_mode"), {"mode": "test"})
    client.post(CREATE, form(), headers=HTMX)
    assert Connection.objects.get().livemode is False


def test_none_access_lands_on_the_details_page(operator_client, admin):
    response = operator_client(admin).post(CREATE, form(dashboard_type="none"), headers=HTMX)
    connection = Connection.objects.get()
    assert response.status_code == 200 and response["HX-Redirect"] == reverse("accounts:detail", args=[connection.account.public_id])
    page = operator_client(admin).post(CREATE, form(dashboard_type="none", email="b@b.example"))
    assert page.status_code == 302
