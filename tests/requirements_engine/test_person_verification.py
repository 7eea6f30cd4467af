"""A person's verification status follows the checks of their identity fields: test-mode magic
values, or provider staff's review in live mode (domain.md §3.8). Before, nothing but the demo
seed ever wrote it, and every person stayed "Unverified"."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import Person
from accounts.services import PRESETS, add_owner, create_account, save_person
from requirements_engine import services
from requirements_engine.models import FieldVerification
from requirements_engine.person_verification import status_of

pytestmark = pytest.mark.django_db

PERSON = {"first_name": "Maria", "last_name": "Garcia", "email": "maria@acme.example", "phone": "+14155550101",
          "title": "CEO", "address_line1": "address_full_match", "address_city": "Oakland", "address_state": "CA",
          "address_postal_code": "94607", "ssn_last_4": "0000"}


def test_status_of_the_identity_checks():
    assert status_of({}) == "unverified"
    assert status_of({"dob": "verified", "ssn_last_4": "verified"}) == "verified"
    assert status_of({"dob": "verified", "ssn_last_4": "failed"}) == "unverified"
    assert status_of({"dob": "pending", "ssn_last_4": "verified"}) == "pending"
    assert status_of({"address.line1": "verified"}) == "unverified"  # the identity itself is not matched yet
    assert status_of({"dob": "failed", "verification.document": "verified"}) == "unverified"


@pytest.fixture
def company(admin):
    def make(livemode=False):
        connection, _ = create_account(actor=admin, livemode=livemode, country="US", email="o@acme.example",
                                       dashboard_type="none", business_type="company", **PRESETS["none"])
        return connection
    return make


def representative(connection):
    return Person.objects.get(account=connection.account, is_representative=True)


def test_magic_values_verify_the_representative(company, admin):
    connection = company()
    save_person(connection=connection, role="representative", data={**PERSON, "dob": "1902-01-01"}, actor=admin)
    assert representative(connection).verification_status == "verified"


def test_a_wrong_date_of_birth_leaves_the_person_unverified(company, admin):
    connection = company()
    save_person(connection=connection, role="representative", data={**PERSON, "dob": "1985-04-12"}, actor=admin)
    assert representative(connection).verification_status == "unverified"


def test_an_asynchronous_check_is_pending_then_verified(company, admin):
    connection = company()
    save_person(connection=connection, role="representative", data={**PERSON, "dob": "1901-01-01"}, actor=admin)
    assert representative(connection).verification_status == "pending"
    with time_machine.travel(timezone.now() + timedelta(seconds=10)):
        services.recompute(connection)
    assert representative(connection).verification_status == "verified"


def test_an_added_owner_is_verified_with_magic_values(company, admin):
    connection = company()
    owner = add_owner(connection=connection, actor=admin, data={
        "first_name": "Chen", "last_name": "Wang", "email": "chen@acme.example", "dob": "1902-01-01",
        "percent_ownership": 40, "address_line1": "address_full_match", "address_city": "Oakland",
        "address_state": "CA", "address_postal_code": "94607", "ssn_last_4": "0000"})
    owner.refresh_from_db()
    assert owner.verification_status == "verified"


def test_live_mode_waits_for_provider_staff(company, admin, operator_client):
    connection = company(livemode=True)
    save_person(connection=connection, role="representative", data={**PERSON, "dob": "1985-04-12"}, actor=admin)
    assert representative(connection).verification_status == "pending"
    for check in FieldVerification.objects.filter(connection=connection, path__startswith="representative."):
        services.resolve_verification(verification_id=check.pk, verified=True, staff_email="staff@provider.example")
    assert representative(connection).verification_status == "verified"
    html = operator_client(admin).get(reverse("accounts:detail", args=[connection.account.public_id])).content.decode()
    rows = re.findall(r'<tr data-testid="owner-row">(.*?)</tr>', html, re.DOTALL)
    maria = next(row for row in rows if "Maria Garcia" in row)
    assert ">Verified<" in maria and "Unverified" not in maria
