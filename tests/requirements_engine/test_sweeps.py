from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Capability, Connection
from platform_console.models import AuditEvent
from requirements_engine import services
from requirements_engine.rules import load

pytestmark = pytest.mark.django_db


def last_active(connection, days_ago, now):
    Connection.objects.filter(pk=connection.pk).update(last_activity_at=now - timedelta(days=days_ago))


@pytest.mark.parametrize("days,held", [(539, False), (540, True)])
def test_the_inactivity_boundary_is_exact(onboarded, days, held):
    now = timezone.now()
    connection = onboarded()
    last_active(connection, days, now)
    with time_machine.travel(now, tick=False):
        services.hold_inactive_verifications(now=now)
    connection.refresh_from_db()
    assert (connection.verifications_held_at is not None) is held


def test_a_held_account_is_shown_and_resumes_with_activity(onboarded, operator_client, admin):
    now = timezone.now()
    connection = onboarded()
    last_active(connection, 600, now)
    assert services.hold_inactive_verifications(now=now) == (1, 0)
    assert set(Capability.objects.filter(connection=connection).values_list("status", flat=True)) == {"inactive"}
    Connection.objects.filter(pk=connection.pk).update(livemode=True)
    html = operator_client(admin).get(f"/accounts/{connection.account.public_id}/").content.decode()
    assert 'data-testid="inactivity-hold"' in html
    last_active(connection, 1, now)
    assert services.hold_inactive_verifications(now=now) == (0, 1)
    connection.refresh_from_db()
    assert connection.verifications_held_at is None and connection.status == "enabled"
    assert AuditEvent.objects.filter(action="verifications.held").count() == 1
    assert AuditEvent.objects.filter(action="verifications.resumed").count() == 1


def test_the_inactivity_check_twice_changes_nothing_the_second_time(onboarded):
    now = timezone.now()
    connection = onboarded()
    last_active(connection, 700, now)
    assert services.hold_inactive_verifications(now=now) == (1, 0)
    assert services.hold_inactive_verifications(now=now) == (0, 0)


def test_future_promotion_twice_changes_nothing_the_second_time(onboarded):
    rule = next(r for r in load().future_rules if r.field == "company.vat_id")
    connection = onboarded()
    Connection.objects.filter(pk=connection.pk).update(platform_id=connection.platform_id)
    connection.account.__class__.objects.filter(pk=connection.account_id).update(country="GB")
    services.recompute(connection)
    connection.refresh_from_db()
    assert connection.future_due_count == 1 and connection.status == "restricted_soon"
    with time_machine.travel(rule.effective_at + timedelta(hours=1), tick=False):
        assert services.promote_future_requirements() >= 1
        connection.refresh_from_db()
        assert connection.future_due_count == 0 and connection.currently_due_count >= 1
        before = Connection.objects.values().get(pk=connection.pk)
        services.promote_future_requirements()
        after = Connection.objects.values().get(pk=connection.pk)
        assert {k: v for k, v in after.items() if k != "updated_at"} == {k: v for k, v in before.items() if k != "updated_at"}


def test_the_sweeps_run_as_a_management_command(onboarded, capsys):
    onboarded()
    call_command("requirements_sweep")
    out = capsys.readouterr().out
    assert "Deadline sweep" in out and "Inactivity check" in out
