import pytest
from django.urls import reverse

from accounts.services import creation_blockers
from platform_console.models import AuditEvent, Platform

pytestmark = pytest.mark.django_db
URL = reverse("platform_profile")
PROFILE = {"legal_name": "Rocket Rides, Inc.", "website": "https://rocketrides.example",
           "support_email": "help@rocketrides.example", "industry": "marketplace",
           "business_description": "Rides."}


@pytest.fixture
def incomplete(admin):
    Platform.objects.filter(pk=admin.platform_id).update(legal_name="", platform_profile_completed=False)
    admin.platform.refresh_from_db()
    return admin


def test_an_admin_completes_the_profile_and_can_then_create(operator_client, incomplete):
    assert [b.code for b in creation_blockers(incomplete)] == ["profile"]
    response = operator_client(incomplete).post(URL, PROFILE)
    assert response.status_code == 302
    incomplete.platform.refresh_from_db()
    assert incomplete.platform.platform_profile_completed
    assert creation_blockers(incomplete) == []
    assert AuditEvent.objects.filter(action="platform.profile_updated").exists()


@pytest.mark.parametrize("field,value,message", [("website", "http://x.example", "https://"),
                                                   ("support_email", "nope", "valid email"),
                                                   ("legal_name", "", "required")])
def test_each_required_field_is_validated(operator_client, incomplete, field, value, message):
    response = operator_client(incomplete).post(URL, {**PROFILE, field: value})
    assert response.status_code == 422 and message in response.content.decode()
    incomplete.platform.refresh_from_db()
    assert not incomplete.platform.platform_profile_completed


@pytest.mark.parametrize("role", ["developer", "analyst", "support", "viewer"])
def test_other_roles_read_the_profile_but_cannot_change_it(operator_client, request, role):
    member = request.getfixturevalue(role)
    client = operator_client(member)
    html = client.get(URL).content.decode()
    assert "Only Administrators can change the platform profile." in html and "disabled" in html
    assert client.post(URL, {**PROFILE, "legal_name": "Hijacked"}).status_code == 403
    assert Platform.objects.get(pk=member.platform_id).legal_name != "Hijacked"
