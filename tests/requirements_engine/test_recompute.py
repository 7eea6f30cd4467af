from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Account, Capability, Connection, Person
from accounts.services import save_account_details, save_person
from requirements_engine import services, sweeps
from requirements_engine.models import FieldVerification, InformationRequest, Requirement

pytestmark = pytest.mark.django_db


def caps(connection):
    return dict(Capability.objects.filter(connection=connection).values_list("name", "status"))


def test_a_fully_onboarded_account_is_enabled(onboarded):
    connection = onboarded()
    assert connection.status == "enabled" and connection.charges_enabled and connection.payouts_enabled
    assert caps(connection) == {"card_payments": "active", "transfers": "active"}
    assert not Requirement.objects.filter(connection=connection, currently_due=True).exists()


def test_the_whole_lifecycle_with_a_frozen_clock(onboarded, admin):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        connection = onboarded()
        Account.objects.filter(pk=connection.account_id).update(phone="")
        services.recompute(connection)
        connection.refresh_from_db()
        assert connection.status == "restricted_soon" and connection.current_deadline == start + timedelta(days=30)
    with time_machine.travel(start + timedelta(days=30, seconds=1), tick=False):
        assert sweeps.deadline_sweep() == 1
        connection.refresh_from_db()
        assert connection.status == "restricted" and connection.past_due_count == 1
        assert caps(connection)["card_payments"] == "inactive" and not connection.charges_enabled
        assert sweeps.deadline_sweep() == 0  # idempotent: nothing left to sweep
        save_account_details(connection=connection, data={"phone": "+14155550111"}, actor=admin)
        connection.refresh_from_db()
        assert connection.status == "enabled" and caps(connection)["card_payments"] == "active"


def test_a_live_field_waits_for_review_then_activates(onboarded, admin):
    connection = onboarded()
    Connection.objects.filter(pk=connection.pk).update(livemode=True)
    connection.refresh_from_db()
    save_account_details(connection=connection, data={"tax_id": "12-3456789"}, actor=admin)
    connection.refresh_from_db()
    check = FieldVerification.objects.get(connection=connection, path="company.tax_id")
    assert check.status == "pending" and connection.status == "in_review"
    assert caps(connection)["card_payments"] == "pending"
    services.resolve_verification(verification_id=check.pk, verified=True, staff_email="staff@provider.example")
    connection.refresh_from_db()
    assert connection.status == "enabled" and caps(connection)["card_payments"] == "active"


def test_a_live_check_failed_by_staff_shows_its_error(onboarded, admin):
    connection = onboarded()
    Connection.objects.filter(pk=connection.pk).update(livemode=True)
    connection.refresh_from_db()
    save_account_details(connection=connection, data={"tax_id": "12-3456789"}, actor=admin)
    check = FieldVerification.objects.get(connection=connection, path="company.tax_id")
    services.resolve_verification(verification_id=check.pk, verified=False, code="verification_failed_tax_id_match",
                                  reason="Name and EIN do not match.", staff_email="staff@provider.example")
    row = Requirement.objects.get(connection=connection, path="company.tax_id")
    assert row.currently_due and row.error_code == "verification_failed_tax_id_match"
    assert row.error_reason == "Name and EIN do not match."


@pytest.mark.parametrize(
    "value,status,code",
    [("000000000", "verified", ""), ("222222222", "verified", ""), ("111111111", "failed", "verification_failed_tax_id_match"),
     ("111111112", "failed", "verification_failed_tax_id_not_issued")],
)
def test_test_mode_tax_id_magic_values(onboarded, admin, value, status, code):
    connection = onboarded()
    save_account_details(connection=connection, data={"tax_id": value}, actor=admin)
    check = FieldVerification.objects.get(connection=connection, path="company.tax_id")
    assert (check.status, check.error_code) == (status, code)


@pytest.mark.parametrize(
    "dob,status",
    [("1902-01-01", "verified"), ("1985-04-12", "failed"), ("1901-01-01", "pending")],
)
def test_test_mode_dob_magic_values(onboarded, admin, dob, status):
    from datetime import date

    connection = onboarded()
    save_person(connection=connection, role="representative", data={"dob": date.fromisoformat(dob)}, actor=admin)
    assert FieldVerification.objects.get(connection=connection, path="representative.dob").status == status


def test_the_asynchronous_test_check_resolves_later(onboarded, admin):
    from datetime import date

    connection = onboarded()
    save_person(connection=connection, role="representative", data={"dob": date(1901, 1, 1)}, actor=admin)
    connection.refresh_from_db()
    assert connection.status == "in_review"
    with time_machine.travel(timezone.now() + timedelta(seconds=10)):
        services.recompute(connection)
    connection.refresh_from_db()
    assert connection.status == "enabled"
    assert FieldVerification.objects.get(connection=connection, path="representative.dob").status == "verified"


def test_the_sanctions_dob_raises_an_information_request(onboarded, admin):
    from datetime import date

    connection = onboarded()
    save_person(connection=connection, role="representative", data={"dob": date(1900, 1, 1)}, actor=admin)
    connection.refresh_from_db()
    assert InformationRequest.objects.filter(connection=connection, kind="risk_review").exists()
    assert connection.status == "in_review"


def test_the_inactivity_url_puts_verifications_on_hold(onboarded, admin):
    connection = onboarded()
    save_account_details(connection=connection, data={"url": "https://inactivity.stripe.com"}, actor=admin)
    connection.refresh_from_db()
    # As the 540-day sweep does: a verified account has nothing to hold and stays enabled.
    assert connection.verifications_held_at is not None and connection.status == "enabled"
    assert caps(connection) == {"card_payments": "active", "transfers": "active"}


def test_the_inactivity_url_pauses_the_capabilities_with_held_work(onboarded, admin):
    connection = onboarded()
    Account.objects.filter(pk=connection.account_id).update(phone="")  # company.phone: card payments only
    save_account_details(connection=connection, data={"url": "https://inactivity.stripe.com"}, actor=admin)
    assert set(Capability.objects.filter(connection=connection).values_list("name", "disabled_reason")) == {
        ("card_payments", "paused.inactivity"), ("transfers", "")}


def test_removing_the_representative_makes_it_due_again(onboarded):
    connection = onboarded()
    Person.objects.filter(account=connection.account, is_representative=True).delete()
    services.recompute(connection)
    due = set(Requirement.objects.filter(connection=connection, currently_due=True).values_list("path", flat=True))
    assert {"representative.first_name", "representative.dob"} <= due


def test_first_due_dates_survive_recomputes(onboarded):
    connection = onboarded()
    Account.objects.filter(pk=connection.account_id).update(phone="")
    services.recompute(connection)
    first = Requirement.objects.get(connection=connection, path="company.phone").first_due_at
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        services.recompute(connection)
    assert Requirement.objects.get(connection=connection, path="company.phone").first_due_at == first


def test_recompute_twice_changes_nothing(onboarded):
    connection = onboarded()
    Account.objects.filter(pk=connection.account_id).update(phone="")
    services.recompute(connection)
    rows = list(Requirement.objects.filter(connection=connection).values("path", "group", "deadline", "first_due_at"))
    services.recompute(connection)
    assert list(Requirement.objects.filter(connection=connection).values("path", "group", "deadline", "first_due_at")) == rows
