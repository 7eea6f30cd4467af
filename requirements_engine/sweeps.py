"""The sweeps (Celery beat; also `manage.py requirements_sweep`): deadlines that passed, future
requirements whose date came, and the inactivity hold (domain.md §7.4).

Each sweep lists the connections it has work for, then works through them in batches, one
transaction each: the batch's rows are locked and checked again (a money operation may have
touched one since), changed with set-based UPDATEs, audited with one INSERT, and re-evaluated with
`recompute_many`, in a number of queries that does not grow with the batch. A crash after batch k
leaves batches 1..k done and audited once; a re-run finds only the rest, as each batch's change
takes its connections out of the sweep's list.
"""

from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from accounts.models import Connection
from platform_console.audit import record_audits
from platform_console.models import Platform

from .models import Requirement
from .rules import load
from .services import recompute_many

BATCH_SIZE = 1_000


def deadline_sweep(*, now=None, batch_size: int = BATCH_SIZE) -> int:
    """Currently-due items whose deadline passed become past due and disable what they affect.
    Returns how many connections were re-evaluated. Running it twice changes nothing the second
    time: a re-evaluated connection's deadline is empty or in the future."""
    now = now or timezone.now()
    due = _visible().filter(currently_due_count__gt=0, current_deadline__lte=now)
    return _in_batches(due, lambda rows: _reevaluate(rows, now), batch_size)


def promote_future_requirements(*, now=None, batch_size: int = BATCH_SIZE) -> int:
    """Future requirements whose date has come merge into the requirements."""
    now = now or timezone.now()
    merging = Q(future_due_count__gt=0, current_deadline__lte=now)
    if any(r.effective_at and r.effective_at <= now for r in load().future_rules):
        # Accounts whose future items were never counted (created after the rule was written).
        merging |= Q(pk__in=Requirement.objects.filter(is_future=True, deadline__lte=now).values("connection_id"))
    return _in_batches(_visible().filter(merging), lambda rows: _reevaluate(rows, now), batch_size)


def hold_inactive_verifications(*, now=None, batch_size: int = BATCH_SIZE) -> tuple[int, int]:
    """Connections without activity for 540 days get their verifications put on hold; those with
    activity since their hold are released. Returns (held, released). Idempotent."""
    now = now or timezone.now()
    held = _in_batches(_inactive(now), lambda rows: _hold(rows, now), batch_size)
    released = _in_batches(_active_again(), lambda rows: _release(rows, now), batch_size)
    return held, released


def resume_after_activity(connection: Connection) -> None:
    """Hook target (accounts.hooks.after_activity_while_held): money moved for a connection on
    hold, which lifts the hold at once (domain.md §7.4) rather than at the next daily sweep."""
    with transaction.atomic():
        rows = _locked(Connection.objects.filter(pk=connection.pk, verifications_held_at__isnull=False), [connection.pk])
        _release(rows, timezone.now())


# --- which connections ---------------------------------------------------------------------

def _visible() -> QuerySet:
    return Connection.objects.filter(lifecycle_state__in=Connection.VISIBLE_STATES)


def _inactive(now) -> QuerySet:
    cutoff = now - timedelta(days=load().inactivity_days)
    return _visible().filter(verifications_held_at__isnull=True).filter(
        Q(last_activity_at__lte=cutoff) | Q(last_activity_at__isnull=True, connected_at__lte=cutoff)
    )


def _active_again() -> QuerySet:
    # Activity since the hold, not merely within 540 days: a hold from the test-mode magic URL
    # (https://inactivity.stripe.com) lasts until the next activity, as one from this sweep does.
    return Connection.objects.filter(verifications_held_at__isnull=False, last_activity_at__gt=F("verifications_held_at"))


# --- batches -------------------------------------------------------------------------------

# What a batch needs of each connection it changes: for the audit, and to know whether the change
# can alter its evaluation (see `_with_held_work`).
ROW = ("pk", "platform_id", "livemode", "account__public_id", "currently_due_count", "pending_verification_count")


def _in_batches(candidates: QuerySet, work: Callable[[list[tuple]], int], batch_size: int) -> int:
    """Run `work` on the candidates' rows, `batch_size` at a time, each batch in its own transaction
    on rows locked and checked against `candidates` again. Returns the total `work` reported."""
    ids = list(candidates.order_by("pk").values_list("pk", flat=True))
    done = 0
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            done += work(_locked(candidates, ids[start:start + batch_size]))
    return done


def _locked(candidates: QuerySet, ids: list[int]) -> list[tuple]:
    # FOR NO KEY UPDATE, in pk order, as money operations lock a connection's row: a transfer
    # recording activity waits for the batch, or the batch for it and then sees its activity.
    return list(
        candidates.filter(pk__one_of=ids).order_by("pk").select_for_update(no_key=True, of=("self",)).values_list(*ROW)
    )


def _reevaluate(rows: list[tuple], now) -> int:
    recompute_many([row[0] for row in rows], now=now)
    return len(rows)


def _hold(rows: list[tuple], now) -> int:
    Connection.objects.filter(pk__one_of=[row[0] for row in rows]).update(verifications_held_at=now)
    _audit(rows, "verifications.held")
    recompute_many(_with_held_work(rows), now=now)
    return len(rows)


def _release(rows: list[tuple], now) -> int:
    Connection.objects.filter(pk__one_of=[row[0] for row in rows]).update(verifications_held_at=None)
    _audit(rows, "verifications.resumed")
    recompute_many(_with_held_work(rows), now=now)
    return len(rows)


def _with_held_work(rows: list[tuple]) -> list[int]:
    """The connections whose evaluation the hold can change. The hold pauses only items that are
    currently due or in review (it stops their deadlines and pauses the capabilities they affect,
    evaluation._conclude); a connection whose last evaluation had none evaluates the same held or
    not, so it is not re-evaluated (tests/requirements_engine/test_sweeps.py proves a full
    recompute afterwards changes nothing)."""
    return [pk for pk, *_, due, pending in rows if due or pending]


def _audit(rows: list[tuple], action: str) -> None:
    platforms = Platform.objects.in_bulk({row[1] for row in rows})
    record_audits(
        {"actor": None, "platform": platforms[platform_id], "action": action, "object_type": "account",
         "object_id": account_id, "account_public_id": account_id, "livemode": livemode, "actor_label": "system"}
        for _, platform_id, livemode, account_id, *_ in rows
    )
