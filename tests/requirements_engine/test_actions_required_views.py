import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection as db_connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.errors import NotAllowed
from accounts.models import Account, AccountLink, Connection, Person
from requirements_engine import services
from requirements_engine.models import InformationRequest, RemediationTicket, Requirement
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def detail(connection):
    return reverse("accounts:detail", args=[connection.account.public_id])


def req_url(connection, path, suffix=""):
    name = "requirements_engine:submit" if suffix == "submit" else "requirements_engine:requirement"
    return reverse(name, args=[connection.account.public_id, path])


@pytest.fixture
def mixed(onboarded):
    """An account with an information request, a past-due, a currently-due, a future and an eventually-due item."""
    connection = onboarded(livemode=True)
    Account.objects.filter(pk=connection.account_id).update(phone="", country="GB", address_state="",
                                                            address_postal_code="SW1A 1AA", directors_provided=True)
    services.recompute(connection)  # company.phone due now (+ the future VAT rule for GB)
    Requirement.objects.filter(connection=connection, path="company.phone").update(
        first_due_at=timezone.now() - timedelta(days=31))
    Person.objects.filter(account=connection.account).update(title="")
    services.recompute(connection)
    InformationRequest.objects.create(platform=connection.platform, connection=connection, title="Tell us about refunds",
                                      question="How do you handle refunds?", due_at=timezone.now() + timedelta(days=5),
                                      affected_capabilities=["card_payments"], allowed_paths=["submit", "contact_support"])
    services.recompute(connection)
    connection.refresh_from_db()
    return connection


def test_actions_required_are_listed_in_the_documented_order(operator_client, admin, mixed):
    html = operator_client(admin).get(detail(mixed)).content.decode()
    section = html[html.index('data-testid="actions-required"'):]
    titles = re.findall(r'<span class="action-title">([^<]+)', section)
    assert titles[:4] == ["Tell us about refunds", "Business phone number", "Representative&#x27;s job title", "VAT number"]
    assert "Representative&#x27;s identity document" in titles[4:]
    statuses = re.findall(r'class="badge badge-\w+">([^<]+)</span>\s*</span>', section)
    assert statuses[:5] == ["Action required", "Past due", "Currently due", "Future requirement", "Due later"]
    assert ">representative.relationship.title<" not in section  # plain-language titles, not raw paths


def test_no_list_when_nothing_is_required(operator_client, admin, onboarded):
    from django.core.files.base import ContentFile

    from requirements_engine.models import Document

    connection = onboarded(livemode=True)
    Person.objects.filter(account=connection.account).update(id_number_provided=True)
    Account.objects.filter(pk=connection.account_id).update(support_phone="+14155550100")  # a future rule
    Document.objects.create(platform=connection.platform, connection=connection, original_name="id.png",
                            path="representative.verification.document", content_type="image/png", size=4,
                            file=ContentFile(b"\x89PNG", name="id.png"))
    services.recompute(connection)
    html = operator_client(admin).get(detail(connection)).content.decode()
    assert 'data-testid="actions-required"' not in html and 'data-testid="nothing-required"' in html


def test_the_details_page_query_count_does_not_grow_with_requirements(operator_client, admin, onboarded, platform):
    few = onboarded(livemode=True)
    many = onboarded(livemode=True)
    Account.objects.filter(pk=many.account_id).update(phone="", mcc="", url="", product_description="",
                                                      address_line1="", address_city="")
    Person.objects.filter(account=many.account).update(title="", phone="", email="")
    for n in range(3):
        Person.objects.create(account=many.account, first_name=f"Owner{n}", is_owner=True, percent_ownership=25)
    services.recompute(many)
    assert Requirement.objects.filter(connection=many).count() > Requirement.objects.filter(connection=few).count() + 10
    client = operator_client(admin)
    client.get(detail(few))
    with CaptureQueriesContext(db_connection) as small:
        client.get(detail(few))
    with CaptureQueriesContext(db_connection) as big:
        client.get(detail(many))
    assert len(big.captured_queries) == len(small.captured_queries)


def test_the_requirement_page_explains_and_offers_three_paths(operator_client, admin, mixed):
    html = operator_client(admin).get(req_url(mixed, "company.phone")).content.decode()
    for text in ["Business phone number", "Past due", "Card payments", "Submit the information",
                 "Send a remediation link", "Contact support"]:
        assert text in html


def test_an_outstanding_requirement_of_another_platform_is_not_found(operator_client, other_platform, mixed):
    stranger = MembershipFactory(platform=other_platform, roles=["admin"])
    assert operator_client(stranger).get(req_url(mixed, "company.phone")).status_code == 404


def test_a_satisfied_requirement_is_not_found(operator_client, admin, mixed):
    assert operator_client(admin).get(req_url(mixed, "company.name")).status_code == 404


def test_submitting_the_information_clears_the_entry(operator_client, admin, mixed):
    client = operator_client(admin)
    response = client.post(req_url(mixed, "company.phone", "submit"), {"phone": "+442071234567"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200 and response["HX-Redirect"] == detail(mixed)
    assert not Requirement.objects.filter(connection=mixed, path="company.phone").exists()
    assert "Business phone number" not in client.get(detail(mixed)).content.decode().split('data-testid="actions-required"')[-1][:3000]


def test_bad_input_is_shown_in_the_dialog(operator_client, admin, mixed):
    response = operator_client(admin).post(req_url(mixed, "company.phone", "submit"), {"phone": "12"},
                                           headers={"HX-Request": "true"})
    assert response.status_code == 422 and "international format" in response.content.decode()
    assert Requirement.objects.filter(connection=mixed, path="company.phone").exists()


def test_a_document_upload_is_validated_and_stored(operator_client, admin, mixed):
    from django.core.files.uploadedfile import SimpleUploadedFile

    path = "representative.verification.document"
    client = operator_client(admin)
    bad = client.post(req_url(mixed, path, "submit"), {"document": SimpleUploadedFile("x.exe", b"MZ", "application/x-msdownload")})
    assert bad.status_code == 422 and "JPEG, PNG or PDF" in bad.content.decode()
    good = client.post(req_url(mixed, path, "submit"), {"document": SimpleUploadedFile("id.png", b"\x89PNG....", "image/png")})
    assert good.status_code == 302
    from requirements_engine.models import Document

    assert Document.objects.get(connection=mixed).original_name == "id.png"


def test_submitting_is_refused_for_accounts_that_collect_their_own(operator_client, admin, mixed):
    Connection.objects.filter(pk=mixed.pk).update(requirement_collection="stripe", dashboard_type="express")
    client = operator_client(admin)
    html = client.get(req_url(mixed, "company.phone")).content.decode()
    assert "send it a remediation link" in html
    assert client.post(req_url(mixed, "company.phone", "submit"), {"phone": "+442071234567"}).status_code == 403


@pytest.mark.parametrize("role,allowed", [("admin", True), ("developer", True), ("support_specialist", True),
                                          ("analyst", False), ("view_only", False)])
def test_who_may_submit(operator_client, platform, mixed, role, allowed):
    client = operator_client(MembershipFactory(platform=platform, roles=[role]))
    response = client.post(req_url(mixed, "company.phone", "submit"), {"phone": "+442071234567"})
    assert (response.status_code == 302) is allowed
    assert Requirement.objects.filter(connection=mixed, path="company.phone").exists() is not allowed


def test_terms_cannot_be_accepted_by_an_operator(operator_client, admin, mixed):
    Connection.objects.filter(pk=mixed.pk).update(tos_accepted_at=None)
    services.recompute(mixed)
    assert operator_client(admin).post(req_url(mixed, "tos_acceptance.date", "submit"),
                                       {"accept_terms": "on"}).status_code == 403


def test_contact_support_files_a_prefilled_ticket(operator_client, admin, mixed, run_on_commit):
    client = operator_client(admin)
    url = reverse("requirements_engine:contact_support", args=[mixed.account.public_id]) + "?requirement=company.phone"
    form = client.get(url).content.decode()
    assert "Help with Business phone number" in form and "Deadline" in form
    with run_on_commit():
        response = client.post(url, {"subject": "Help with Business phone number", "message": "Please help"})
    assert response.status_code == 302
    ticket = RemediationTicket.objects.get()
    assert ticket.requirement_path == "company.phone" and ticket.context["deadline"]
    assert mail.outbox[-1].to == ["support@provider.example"]


def contact_url(connection, **query) -> str:
    url = reverse("requirements_engine:contact_support", args=[connection.account.public_id])
    return url + "".join(f"{'&' if i else '?'}{k}={v}" for i, (k, v) in enumerate(query.items()))


def test_view_only_members_cannot_file_a_support_ticket(operator_client, viewer, mixed, run_on_commit):
    client = operator_client(viewer)
    url = contact_url(mixed, requirement="company.phone")
    assert client.get(url).status_code == 403
    with run_on_commit():
        response = client.post(url, {"subject": "Help", "message": "Please help"})
    assert response.status_code == 403
    assert not RemediationTicket.objects.exists() and not mail.outbox


def test_the_service_refuses_a_view_only_member_too(viewer, mixed):
    with pytest.raises(NotAllowed):
        services.contact_support(actor=viewer, connection=mixed, subject="Help", message="Please help",
                                 path="company.phone")
    assert not RemediationTicket.objects.exists()


@pytest.mark.parametrize("role", ["developer", "analyst", "support_specialist"])
def test_other_roles_still_file_support_tickets(operator_client, platform, mixed, role):
    client = operator_client(MembershipFactory(platform=platform, roles=[role]))
    response = client.post(contact_url(mixed, requirement="company.phone"), {"subject": "Help", "message": "Hi"})
    assert response.status_code == 302 and RemediationTicket.objects.count() == 1


def test_view_only_sees_no_contact_support_control(operator_client, viewer, admin, mixed):
    info = InformationRequest.objects.get(connection=mixed)
    pages = [req_url(mixed, "company.phone"),
             reverse("requirements_engine:request", args=[mixed.account.public_id, info.public_id])]
    for page in pages:
        html = operator_client(viewer).get(page).content.decode()
        assert 'data-testid="contact-support"' not in html and "cannot contact provider support" in html
        assert 'data-testid="contact-support"' in operator_client(admin).get(page).content.decode()


# --- remediation links --------------------------------------------------------------------

def remediation_token(client, connection) -> str:
    response = client.post(reverse("requirements_engine:remediation_link", args=[connection.account.public_id]),
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    return re.search(r"/remediate/([^/\"]+)/", response.content.decode()).group(1)


def test_the_remediation_page_shows_only_outstanding_fields_and_clears_them(operator_client, admin, mixed):
    token = remediation_token(operator_client(admin), mixed)
    holder = Client()
    assert holder.get(reverse("remediate_entry", args=[token])).status_code == 302
    page = holder.get(reverse("requirements_engine:remediation_home")).content.decode()
    assert "Business phone number" in page and "Legal business name" not in page
    response = holder.post(reverse("requirements_engine:remediation_field", args=["company.phone"]),
                           {"phone": "+442071234567"})
    assert response.status_code == 302
    assert "Business phone number" not in holder.get(reverse("requirements_engine:remediation_home")).content.decode()


def test_remediation_links_are_reusable_and_one_is_active(operator_client, admin, mixed):
    client = operator_client(admin)
    first = remediation_token(client, mixed)
    for _ in range(3):
        assert Client().get(reverse("remediate_entry", args=[first])).status_code == 302
    second = remediation_token(client, mixed)
    assert Client().get(reverse("remediate_entry", args=[first])).status_code == 410
    assert Client().get(reverse("remediate_entry", args=[second])).status_code == 302
    assert AccountLink.objects.filter(kind="remediation", revoked_at__isnull=True).count() == 1


def test_a_remediation_link_expires_after_90_days(operator_client, admin, mixed):
    token = remediation_token(operator_client(admin), mixed)
    with time_machine.travel(timezone.now() + timedelta(days=90, seconds=1)):
        response = Client().get(reverse("remediate_entry", args=[token]))
    assert response.status_code == 410 and "expired" in response.content.decode()


@pytest.mark.parametrize("role,allowed", [("admin", True), ("support_specialist", True), ("analyst", False)])
def test_who_may_create_remediation_links(operator_client, platform, mixed, role, allowed):
    client = operator_client(MembershipFactory(platform=platform, roles=[role]))
    response = client.post(reverse("requirements_engine:remediation_link", args=[mixed.account.public_id]))
    assert (response.status_code == 200) is allowed
    assert AccountLink.objects.filter(kind="remediation").exists() is allowed


# --- list filters ------------------------------------------------------------------------

def test_list_filters_for_actions_required_past_due_and_restricted_soon(operator_client, admin, onboarded, mixed):
    fine = onboarded(livemode=True)
    soon = onboarded(livemode=True)
    Account.objects.filter(pk=soon.account_id).update(phone="")
    services.recompute(soon)
    client = operator_client(admin)

    def ids(needs):
        return set(re.findall(r'href="/accounts/(acct_[A-Za-z0-9]+)/"', client.get(reverse("accounts:list"), {"needs": needs}).content.decode()))

    assert ids("actions_required") == {mixed.account.public_id, soon.account.public_id}
    assert ids("past_due") == {mixed.account.public_id}
    assert ids("restricted_soon") == {soon.account.public_id}
    assert fine.account.public_id in ids("")


@pytest.mark.parametrize(("status", "tone"), [("open", "danger"), ("submitted", "info"), ("under_review", "info"),
                                               ("resolved", "success"), ("expired", "neutral")])
def test_an_information_requests_badge_is_red_only_while_action_is_required(operator_client, admin, mixed, status,
                                                                              tone):
    info = InformationRequest.objects.get(connection=mixed)
    InformationRequest.objects.filter(pk=info.pk).update(status=status)
    url = reverse("requirements_engine:request", args=[mixed.account.public_id, info.public_id])
    html = operator_client(admin).get(url).content.decode()
    assert re.search(rf'<span class="badge badge-{tone}" data-testid="request-status">', html), html[:2000]
