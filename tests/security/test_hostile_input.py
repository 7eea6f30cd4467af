"""Control characters (NUL above all) are refused at the edge: a URL path that carries one is a
404, a query parameter or a form field a 400, and neither reaches a view or a query. On
PostgreSQL each of these requests used to answer 500 ("A string literal cannot contain NUL")."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import Person
from money.models import Transfer
from requirements_engine import services as requirement_services
from requirements_engine.models import Document, RemediationTicket, Requirement
from tests.factories import CapabilityFactory, ConnectionFactory

pytestmark = pytest.mark.django_db


DOCUMENT = "representative.verification.document"


@pytest.fixture
def account(platform):
    """A platform-collected account with an owner and its requirements outstanding."""
    connection = ConnectionFactory(platform=platform, custom=True)
    Person.objects.create(account=connection.account, first_name="Chen", is_owner=True, percent_ownership=10)
    CapabilityFactory(connection=connection, name="card_payments")
    requirement_services.recompute(connection)
    assert Requirement.objects.filter(connection=connection, path=DOCUMENT).exists()
    return connection


@pytest.fixture
def holder(admin, account, settings, tmp_path):
    """A browser inside the account's remediation link: the hosted pages need no sign-in."""
    settings.MEDIA_ROOT = tmp_path
    _link, token = requirement_services.create_remediation_link(actor=admin, connection=account)
    browser = Client()
    assert browser.get(reverse("remediate_entry", args=[token])).status_code == 302
    return browser


@pytest.mark.parametrize(
    "path",
    [
        "/remediate/abc%00/",
        "/remediation/abc%00/",
        "/onboard/abc%00/",
        "/support-link/abc%00/",
        "/login/%00",
    ],
)
def test_a_nul_in_a_public_path_is_not_found(client, path, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(path)
    assert response.status_code == 404


def test_a_nul_in_the_remediation_page_of_a_real_link_is_not_found(holder):
    assert holder.get(f"/remediation/{DOCUMENT}%00/").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/{account}/requirements/business_profile.url%00/",
        "/accounts/{account}/requests/ireq_%00/",
        "/accounts/{account}/persons/{person}%00/edit/",
        "/accounts/{account}%00/",
        "/balances/transfers/tr_%00/",
    ],
)
def test_a_nul_in_a_signed_in_path_is_not_found(operator_client, admin, account, path):
    person = account.account.persons.get()
    url = path.format(account=account.account.public_id, person=person.public_id)
    assert operator_client(admin).get(url).status_code == 404


@pytest.mark.parametrize("query", ["requirement=business_profile.url%00", "request=ireq_%00", "x%00=1"])
def test_a_nul_in_a_query_parameter_is_a_bad_request(operator_client, admin, account, query):
    url = reverse("requirements_engine:contact_support", args=[account.account.public_id])
    response = operator_client(admin).get(f"{url}?{query}")
    assert response.status_code == 400 and "can't be read" in response.content.decode()


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x7f", "\x85"])
def test_control_characters_in_a_form_field_are_a_bad_request(operator_client, admin, account, character):
    url = reverse("requirements_engine:contact_support", args=[account.account.public_id])
    response = operator_client(admin).post(url, {"subject": f"Help{character}", "message": "Please"})
    assert response.status_code == 400 and not RemediationTicket.objects.exists()


def test_tabs_and_line_breaks_are_ordinary_text(operator_client, admin, account):
    url = reverse("requirements_engine:contact_support", args=[account.account.public_id])
    response = operator_client(admin).post(url, {"subject": "Help", "message": "Line one\r\n\tLine two"})
    assert response.status_code == 302 and RemediationTicket.objects.get().message == "Line one\r\n\tLine two"


def test_a_nul_in_the_send_funds_destination_is_a_bad_request(operator_client, admin, account):
    data = {
        "destination": f"{account.account.public_id}\x00",
        "amount": "12.50",
        "currency": "usd",
        "idempotency_key": "k-nul",
        "step": "confirm",
    }
    response = operator_client(admin).post(reverse("money:send_funds"), data, headers={"HX-Request": "true"})
    assert response.status_code == 400 and not Transfer.objects.exists()


def test_a_nul_in_a_multipart_field_is_a_bad_request(holder):
    url = reverse("requirements_engine:remediation_field", args=[DOCUMENT])
    response = holder.post(
        url,
        {
            "note": "front\x00",
            "document": SimpleUploadedFile("id.pdf", b"%PDF-1.4", content_type="application/pdf"),
        },
    )
    assert response.status_code == 400


def test_file_contents_are_not_inspected(holder):
    url = reverse("requirements_engine:remediation_field", args=[DOCUMENT])
    upload = SimpleUploadedFile("id.pdf", b"%PDF-1.4\x00\x01\x02", content_type="application/pdf")
    assert holder.post(url, {"document": upload}).status_code == 302


def test_a_nul_in_an_uploaded_files_name_never_reaches_the_database(holder):
    # Django's multipart parser drops unprintable characters from file names.
    url = reverse("requirements_engine:remediation_field", args=[DOCUMENT])
    upload = SimpleUploadedFile("id\x00.pdf", b"%PDF-1.4", content_type="application/pdf")
    assert holder.post(url, {"document": upload}).status_code == 302
    assert Document.objects.get().original_name == "id.pdf"


def test_the_refusal_page_needs_no_inline_style_and_keeps_the_security_headers(client):
    response = client.get("/login/?next=%00")
    html = response.content.decode()
    assert response.status_code == 400 and "<style" not in html and " style=" not in html
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_a_session_cookie_carrying_a_nul_is_ignored_not_a_crash(admin):
    browser = Client(HTTP_COOKIE="sessionid=abcdefgh\x00ijklmnop")
    response = browser.get(reverse("accounts:list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_arabic_indic_digits_are_not_an_amount(operator_client, admin, account):
    data = {
        "destination": account.account.public_id,
        "amount": "١٢٣",
        "currency": "usd",
        "idempotency_key": "k-digits",
        "step": "confirm",
    }
    response = operator_client(admin).post(reverse("money:send_funds"), data, headers={"HX-Request": "true"})
    assert response.status_code == 422 and "as a number" in response.content.decode()
    assert not Transfer.objects.exists()


@pytest.mark.parametrize("target", ["99999999999999999999", "home", "x" * 10_000, "https://evil.example/"])
def test_a_next_that_is_not_a_path_here_falls_back_to_home(operator_client, admin, target):
    response = operator_client(admin).post(reverse("set_mode"), {"mode": "test", "next": target})
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_the_mode_switch_returns_to_the_page_it_was_used_on(operator_client, admin):
    response = operator_client(admin).post(
        reverse("set_mode"), {"mode": "test", "next": "/accounts/?status=enabled"}
    )
    assert response["Location"] == "/accounts/?status=enabled"
