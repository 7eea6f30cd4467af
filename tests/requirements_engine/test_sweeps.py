from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Account, Capability, Connection
from money import services as money_services
from money.errors import AccountNotEligible
from money.idempotency import new_key
from platform_console.models import AuditEvent
from requirements_engine import services, sweeps
from requirements_engine.models import FieldVerification
from requirements_engine.rules import load
from tests.money.factories import fund_platform

pytestmark = pytest.mark.django_db


def last_active(connection, days_ago, now):
    Connection.objects.filter(pk=connection.pk).update(last_activity_at=now - timedelta(days=days_ago))


def caps(connection):
    return dict(Capability.objects.filter(connection=connection).values_list("name", "status"))


def reasons(connection):
    return dict(Capability.objects.filter(connection=connection).values_list("name", "disabled_reason"))


def send(admin, connection, amount=5_00):
    connection = Connection.objects.select_related("account").get(pk=connection.pk)
    return money_services.create_transfer(
        actor=admin, connection=connection, amount=amount, currency="usd", idempotency_key=new_key()
    )


@pytest.mark.parametrize("days,held", [(539, False), (540, True)])
def test_the_inactivity_boundary_is_exact(onboarded, days, held):
    now = timezone.now()
    connection = onboarded()
    last_active(connection, days, now)
    with time_machine.travel(now, tick=False):
        sweeps.hold_inactive_verifications(now=now)
    connection.refresh_from_db()
    assert (connection.verifications_held_at is not None) is held


def test_an_enabled_account_on_hold_stays_enabled_and_a_transfer_lifts_the_hold(
    onboarded, operator_client, admin, django_capture_on_commit_callbacks
):
    """Issue 14, defect 1: the hold puts verifications on hold, not the account."""
    connection = onboarded(livemode=True)
    last_active(connection, 600, timezone.now())
    call_command("requirements_sweep", "--only", "inactivity")
    connection.refresh_from_db()
    assert connection.verifications_held_at is not None
    assert connection.status == "enabled" and connection.charges_enabled and connection.payouts_enabled
    assert caps(connection) == {"card_payments": "active", "transfers": "active"}
    html = operator_client(admin).get(f"/accounts/{connection.account.public_id}/").content.decode()
    assert 'data-testid="inactivity-hold"' in html

    fund_platform(admin, 100_00)
    with django_capture_on_commit_callbacks(execute=True):
        send(admin, connection)
    connection.refresh_from_db()
    assert connection.verifications_held_at is None and connection.status == "enabled"
    assert list(AuditEvent.objects.filter(action__startswith="verifications.").values_list("action", flat=True)) == [
        "verifications.resumed", "verifications.held"]


def test_only_capabilities_with_held_work_are_paused(onboarded):
    connection = onboarded()
    Account.objects.filter(pk=connection.account_id).update(phone="")  # company.phone: card payments only
    services.recompute(connection)
    last_active(connection, 600, timezone.now())
    assert sweeps.hold_inactive_verifications() == (1, 0)
    connection.refresh_from_db()
    assert reasons(connection) == {"card_payments": "paused.inactivity", "transfers": ""}
    assert connection.status == "restricted" and connection.payouts_enabled


def test_a_transfer_to_an_account_with_held_work_is_not_refused_and_lifts_the_hold(
    onboarded, admin, django_capture_on_commit_callbacks
):
    connection = onboarded(livemode=True)
    FieldVerification.objects.filter(connection=connection, path="company.tax_id").update(status="pending")
    services.recompute(connection)
    last_active(connection, 600, timezone.now())
    sweeps.hold_inactive_verifications()
    assert reasons(connection) == {"card_payments": "paused.inactivity", "transfers": "paused.inactivity"}
    fund_platform(admin, 100_00)
    with django_capture_on_commit_callbacks(execute=True):
        send(admin, connection)
    connection.refresh_from_db()
    assert connection.verifications_held_at is None
    assert caps(connection) == {"card_payments": "pending", "transfers": "pending"}  # the review goes on


def test_other_capability_states_still_refuse_transfers(onboarded, admin):
    connection = onboarded(livemode=True)
    FieldVerification.objects.filter(connection=connection, path="company.tax_id").update(status="pending")
    services.recompute(connection)
    fund_platform(admin, 100_00)
    with pytest.raises(AccountNotEligible, match="Transfers capability is pending"):
        send(admin, connection)


def test_the_sweep_releases_a_hold_after_new_activity(onboarded):
    now = timezone.now()
    connection = onboarded()
    Account.objects.filter(pk=connection.account_id).update(phone="")
    services.recompute(connection)
    last_active(connection, 600, now)
    assert sweeps.hold_inactive_verifications(now=now) == (1, 0)
    Connection.objects.filter(pk=connection.pk).update(last_activity_at=now + timedelta(minutes=5))
    assert sweeps.hold_inactive_verifications(now=now + timedelta(days=1)) == (0, 1)
    connection.refresh_from_db()
    assert connection.verifications_held_at is None and connection.status == "restricted_soon"
    assert caps(connection) == {"card_payments": "active", "transfers": "active"}
    assert AuditEvent.objects.filter(action="verifications.held").count() == 1
    assert AuditEvent.objects.filter(action="verifications.resumed").count() == 1


def test_a_hold_from_the_magic_url_lasts_until_new_activity(onboarded, admin):
    from accounts.services import save_account_details

    connection = onboarded()
    last_active(connection, 2, timezone.now())  # active two days ago: not inactive for 540 days
    save_account_details(connection=connection, data={"url": "https://inactivity.stripe.com"}, actor=admin)
    assert sweeps.hold_inactive_verifications() == (0, 0)
    connection.refresh_from_db()
    assert connection.verifications_held_at is not None


def test_deadlines_do_not_pass_while_on_hold(onboarded):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        connection = onboarded()
        Account.objects.filter(pk=connection.account_id).update(phone="")
        services.recompute(connection)
        last_active(connection, 600, start)
        sweeps.hold_inactive_verifications(now=start)
    with time_machine.travel(start + timedelta(days=31), tick=False):
        sweeps.deadline_sweep()
        connection.refresh_from_db()
        assert connection.past_due_count == 0 and reasons(connection)["card_payments"] == "paused.inactivity"
        assert sweeps.deadline_sweep() == 0  # the passed deadline no longer counts while held


def test_the_inactivity_check_twice_changes_nothing_the_second_time(onboarded):
    now = timezone.now()
    connection = onboarded()
    last_active(connection, 700, now)
    assert sweeps.hold_inactive_verifications(now=now) == (1, 0)
    assert sweeps.hold_inactive_verifications(now=now) == (0, 0)


def test_future_promotion_twice_changes_nothing_the_second_time(onboarded):
    rule = next(r for r in load().future_rules if r.field == "company.vat_id")
    connection = onboarded()
    connection.account.__class__.objects.filter(pk=connection.account_id).update(country="GB")
    services.recompute(connection)
    connection.refresh_from_db()
    assert connection.future_due_count == 1 and connection.status == "restricted_soon"
    with time_machine.travel(rule.effective_at + timedelta(hours=1), tick=False):
        assert sweeps.promote_future_requirements() >= 1
        connection.refresh_from_db()
        assert connection.future_due_count == 0 and connection.currently_due_count >= 1
        before = Connection.objects.values().get(pk=connection.pk)
        sweeps.promote_future_requirements()
        after = Connection.objects.values().get(pk=connection.pk)
        assert {k: v for k, v in after.items() if k != "updated_at"} == {k: v for k, v in before.items() if k != "updated_at"}


def test_the_sweeps_run_as_a_management_command(onboarded, capsys):
    onboarded()
    call_command("requirements_sweep")
    out = capsys.readouterr().out
    assert "Deadline sweep" in out and "Inactivity check" in out
