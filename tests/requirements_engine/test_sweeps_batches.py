"""The sweeps work in batches (issue 14): a fixed number of queries per batch whatever its size,
one transaction per batch, resumable after a crash without repeating anything."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Account, Capability, Connection
from platform_console.audit import record_audit
from platform_console.models import AuditEvent
from requirements_engine import services, sweeps
from requirements_engine.facts import gather, gather_many
from requirements_engine.models import FieldVerification, Requirement

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


def queries(fn) -> list[str]:
    with CaptureQueriesContext(db) as captured:
        fn()
    return [q["sql"] for q in captured.captured_queries]


def missing_phone(onboarded, count: int, *, recompute: bool = True) -> list[Connection]:
    """Accounts whose company phone is due (card payments only): "Restricted soon"."""
    made = [onboarded() for _ in range(count)]
    Account.objects.filter(pk__in=[c.account_id for c in made]).update(phone="")
    if recompute:
        services.recompute_many([c.pk for c in made])
    return made


def inactive(connections, now) -> None:
    Connection.objects.filter(pk__in=[c.pk for c in connections]).update(last_activity_at=now - timedelta(days=600))


def state(connection) -> dict:
    """Everything recompute writes for a connection."""
    row = Connection.objects.values().get(pk=connection.pk)
    row.pop("updated_at")
    return {
        "connection": row,
        "capabilities": sorted(Capability.objects.filter(connection=connection).values_list(
            "name", "requested", "status", "disabled_reason")),
        "requirements": sorted(
            tuple(sorted((k, str(v)) for k, v in r.items() if k != "id"))
            for r in Requirement.objects.filter(connection=connection).values()
        ),
    }


# --- gathering and recomputing many at once --------------------------------------------------

def test_gathering_costs_the_same_queries_for_one_account_or_many(onboarded):
    made = [onboarded() for _ in range(5)]

    def fresh(group):
        return list(Connection.objects.select_related("account").filter(pk__in=[c.pk for c in group]))

    one, many = fresh(made[:1]), fresh(made[1:])
    assert len(queries(lambda: gather_many(one))) == len(queries(lambda: gather_many(many)))


def test_gather_is_the_one_account_case_of_gather_many(onboarded):
    connection = Connection.objects.select_related("account").get(pk=onboarded().pk)
    again = Connection.objects.select_related("account").get(pk=connection.pk)
    assert gather(connection) == gather_many([again])[connection.pk]


def test_recomputing_costs_the_same_queries_for_one_account_or_many(onboarded):
    one, many = missing_phone(onboarded, 1, recompute=False), missing_phone(onboarded, 5, recompute=False)
    cost_one = queries(lambda: services.recompute_many([c.pk for c in one]))
    cost_many = queries(lambda: services.recompute_many([c.pk for c in many]))
    assert len(cost_one) == len(cost_many)
    assert all(Connection.objects.get(pk=c.pk).status == "restricted_soon" for c in one + many)


def test_a_batch_evaluates_each_account_on_its_own(onboarded):
    complete, no_phone = onboarded(), missing_phone(onboarded, 1, recompute=False)[0]
    in_review = onboarded(livemode=True)
    FieldVerification.objects.filter(connection=in_review, path="company.tax_id").update(status="pending")
    services.recompute_many([complete.pk, no_phone.pk, in_review.pk])
    statuses = dict(Connection.objects.filter(pk__in=[complete.pk, no_phone.pk, in_review.pk]).values_list("pk", "status"))
    assert statuses == {complete.pk: "enabled", no_phone.pk: "restricted_soon", in_review.pk: "in_review"}
    assert list(Requirement.objects.filter(currently_due=True).values_list("connection_id", "path")) == [
        (no_phone.pk, "company.phone")]


def test_recomputing_what_did_not_change_keeps_every_row(onboarded):
    made = missing_phone(onboarded, 3)
    before = [state(c) for c in made]
    rows = sorted(Requirement.objects.values_list("pk", flat=True))
    services.recompute_many([c.pk for c in made])
    assert [state(c) for c in made] == before
    assert sorted(Requirement.objects.values_list("pk", flat=True)) == rows  # none deleted and inserted again


@pytest.mark.postgres
def test_recomputing_what_did_not_change_writes_no_row(onboarded):
    """xmin is the transaction that wrote a row's current version: an UPDATE, even to the same
    values, would change it."""
    made = missing_phone(onboarded, 3)
    ids = [c.pk for c in made]

    def versions():
        with db.cursor() as cursor:
            found = []
            for table, column in (("accounts_connection", "id"), ("accounts_capability", "connection_id"),
                                  ("requirements_engine_requirement", "connection_id")):
                cursor.execute(f"SELECT id, xmin::text FROM {table} WHERE {column} = ANY(%s) ORDER BY id", [ids])
                found.append(cursor.fetchall())
            return found

    before = versions()
    with db.cursor() as cursor:
        cursor.execute("SAVEPOINT later")  # a new subtransaction: a row written now gets another xmin
    services.recompute_many(ids)
    assert versions() == before


# --- the sweeps' batches ---------------------------------------------------------------------

def test_a_hold_batch_costs_the_same_queries_for_one_account_or_many(onboarded):
    now = timezone.now()
    one = missing_phone(onboarded, 1)
    inactive(one, now)
    cost_one = queries(lambda: sweeps.hold_inactive_verifications(now=now))
    many = missing_phone(onboarded, 5)
    inactive(many, now)
    cost_many = queries(lambda: sweeps.hold_inactive_verifications(now=now))
    assert len(cost_one) == len(cost_many)
    assert Connection.objects.filter(verifications_held_at=now).count() == 6


def test_a_release_batch_costs_the_same_queries_for_one_account_or_many(onboarded):
    now = timezone.now()

    def release(count):
        made = missing_phone(onboarded, count)
        Connection.objects.filter(pk__in=[c.pk for c in made]).update(
            verifications_held_at=now - timedelta(days=3), last_activity_at=now - timedelta(days=1))
        return queries(lambda: sweeps.hold_inactive_verifications(now=now))

    assert len(release(1)) == len(release(5))
    assert not Connection.objects.filter(verifications_held_at__isnull=False).exists()
    assert AuditEvent.objects.filter(action="verifications.resumed").count() == 6


def test_a_deadline_batch_costs_the_same_queries_for_one_account_or_many(onboarded):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        missing_phone(onboarded, 1)
    with time_machine.travel(start + timedelta(days=31), tick=False):
        cost_one = queries(sweeps.deadline_sweep)
    with time_machine.travel(start, tick=False):
        missing_phone(onboarded, 5)
    with time_machine.travel(start + timedelta(days=31), tick=False):
        cost_many = queries(sweeps.deadline_sweep)
    assert len(cost_one) == len(cost_many)
    assert Connection.objects.filter(status="restricted", past_due_count=1).count() == 6


def test_a_sweep_that_fails_midway_keeps_the_batches_done_and_a_rerun_does_the_rest(onboarded, monkeypatch):
    now = timezone.now()
    made = missing_phone(onboarded, 5)
    inactive(made, now)
    calls = []
    real = sweeps.recompute_many

    def crash_on_the_second_batch(ids, **kwargs):
        calls.append(ids)
        if len(calls) == 2:
            raise RuntimeError("worker lost")
        return real(ids, **kwargs)

    monkeypatch.setattr(sweeps, "recompute_many", crash_on_the_second_batch)
    with pytest.raises(RuntimeError):
        sweeps.hold_inactive_verifications(now=now, batch_size=2)
    first = [c.pk for c in made[:2]]
    assert set(Connection.objects.filter(verifications_held_at=now).values_list("pk", flat=True)) == set(first)
    assert AuditEvent.objects.filter(action="verifications.held").count() == 2
    assert set(Capability.objects.filter(disabled_reason="paused.inactivity").values_list("connection_id", flat=True)) == set(first)

    monkeypatch.setattr(sweeps, "recompute_many", real)
    assert sweeps.hold_inactive_verifications(now=now, batch_size=2) == (3, 0)
    held = AuditEvent.objects.filter(action="verifications.held")
    assert sorted(held.values_list("account_public_id", flat=True)) == sorted(c.account.public_id for c in made)
    assert Capability.objects.filter(name="card_payments", disabled_reason="paused.inactivity").count() == 5


def test_a_deadline_sweep_that_fails_midway_resumes_where_it_stopped(onboarded, monkeypatch):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        missing_phone(onboarded, 5)
    real, calls = sweeps.recompute_many, []

    def crash_on_the_second_batch(ids, **kwargs):
        calls.append(ids)
        if len(calls) == 2:
            raise RuntimeError("worker lost")
        return real(ids, **kwargs)

    with time_machine.travel(start + timedelta(days=31), tick=False):
        monkeypatch.setattr(sweeps, "recompute_many", crash_on_the_second_batch)
        with pytest.raises(RuntimeError):
            sweeps.deadline_sweep(batch_size=2)
        assert Connection.objects.filter(past_due_count=1).count() == 2
        monkeypatch.setattr(sweeps, "recompute_many", real)
        assert sweeps.deadline_sweep(batch_size=2) == 3
        assert Connection.objects.filter(past_due_count=1).count() == 5


def test_holding_an_account_with_nothing_outstanding_skips_its_evaluation_and_loses_nothing(onboarded, monkeypatch):
    """The sweep leaves out the evaluation of accounts the hold cannot change; a full recompute
    afterwards must find nothing to change."""
    now = timezone.now()
    quiet, busy = onboarded(), missing_phone(onboarded, 1)[0]
    inactive([quiet, busy], now)
    evaluated = []
    real = sweeps.recompute_many
    monkeypatch.setattr(sweeps, "recompute_many", lambda ids, **kw: evaluated.extend(ids) or real(ids, **kw))
    assert sweeps.hold_inactive_verifications(now=now) == (2, 0)
    assert evaluated == [busy.pk]
    held = state(quiet)
    services.recompute(quiet, now=now)
    assert state(quiet) == held and held["connection"]["status"] == "enabled"

    Connection.objects.filter(pk__in=[quiet.pk, busy.pk]).update(last_activity_at=now + timedelta(minutes=1))
    evaluated.clear()
    assert sweeps.hold_inactive_verifications(now=now + timedelta(minutes=2)) == (0, 2)
    assert evaluated == [busy.pk]
    released = state(quiet)
    services.recompute(quiet)
    assert state(quiet) == released


def test_the_sweeps_audit_events_have_the_shape_of_one_written_alone(onboarded):
    now = timezone.now()
    connection = onboarded()
    inactive([connection], now)
    sweeps.hold_inactive_verifications(now=now)
    alone = record_audit(actor=None, platform=connection.platform, action="verifications.held",
                         obj=connection.account, account_public_id=connection.account.public_id,
                         livemode=connection.livemode, actor_label="system")
    ignored = {"id", "public_id", "created_at"}
    swept = AuditEvent.objects.exclude(pk=alone.pk).values().get(action="verifications.held")
    assert {k: v for k, v in swept.items() if k not in ignored} == {
        k: v for k, v in AuditEvent.objects.values().get(pk=alone.pk).items() if k not in ignored}
    assert swept["public_id"].startswith("evt_") and swept["public_id"] != alone.public_id
