"""Idempotency keys: a repeated money request returns the first result instead of moving money
again (domain.md §8.7), for a day (Stripe's rule); then the key is pruned and may be used again.

money.engine inserts the (platform, key) row first in the operation's transaction; when another
request with the same key is still running, PostgreSQL makes this insert wait for it, and once
that one commits the insert fails on the unique constraint — so the loser reads the winner's row
(`replay`) and returns its result. When the winner rolled back (a refusal), the loser's insert
simply goes through.
"""

import hashlib
import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Model
from django.utils import timezone

from .errors import IdempotencyConflict
from .models import (
    AccountDebit,
    AccountDebitConsent,
    IdempotencyKey,
    Payout,
    TopUp,
    Transfer,
    TransferReversal,
)

LIFETIME = timedelta(hours=24)

MAX_KEY_LENGTH = 255

RESULT_MODELS: dict[str, type[Model]] = {
    "topup": TopUp,
    "transfer": Transfer,
    "payout": Payout,
    "account_debit": AccountDebit,
    "debit_consent": AccountDebitConsent,
    "transfer_reversal": TransferReversal,
}
RESULT_TYPES = {model: name for name, model in RESULT_MODELS.items()}


def new_key() -> str:
    """A fresh key for a dialog's hidden input."""
    return "ik_" + secrets.token_urlsafe(24)


def params_hash(operation: str, params: dict[str, Any]) -> str:
    canonical = json.dumps(
        {"operation": operation, **params}, sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def checked_key(key: str) -> str:
    key = (key or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise IdempotencyConflict(
            "This request has no valid idempotency key. Close the dialog and start again."
        )
    return key


def row_for(platform_id: int, request: Any, result: Model, now: datetime) -> IdempotencyKey:
    """The key's row as the engine inserts it first in the operation (`request` is an
    engine.Idempotency): the result's public id is known before it is written."""
    return IdempotencyKey(
        platform_id=platform_id,
        key=request.key,
        operation=request.operation,
        params_hash=params_hash(request.operation, request.params),
        result_type=RESULT_TYPES[type(result)],
        result_id=result.public_id,
        created_at=now,
    )


def used(platform_id: int, key: str) -> bool:
    return IdempotencyKey.objects.filter(platform_id=platform_id, key=key).exists()


EXPIRED = object()


def replay(platform_id: int, request: Any, *, now: datetime) -> Model | object:
    """The result of the committed request that used the key (its insert failed on the unique
    constraint). Raises IdempotencyConflict when that request had another operation or other
    parameters. A key older than LIFETIME is deleted and EXPIRED returned: the caller uses it again
    (Stripe: keys can be reused after 24 hours)."""
    row = IdempotencyKey.objects.filter(platform_id=platform_id, key=request.key).first()
    if row is None:
        return EXPIRED  # pruned meanwhile
    if row.created_at <= now - LIFETIME:
        IdempotencyKey.objects.filter(pk=row.pk, created_at__lte=now - LIFETIME).delete()
        return EXPIRED
    if row.operation != request.operation or row.params_hash != params_hash(request.operation, request.params):
        raise IdempotencyConflict()
    return RESULT_MODELS[row.result_type].objects.get(public_id=row.result_id)


def first_result(platform_id: int, key: str, operation: str) -> Model | None:
    """For a request refused by a check that the first request with this key changed the answer of
    (a reversal of what is now reversed in full, a debit under a consent since revoked): that first
    result, or None. A repeated request answers as the first did."""
    row = IdempotencyKey.objects.filter(platform_id=platform_id, key=(key or "").strip(), operation=operation).first()
    return None if row is None else RESULT_MODELS[row.result_type].objects.filter(public_id=row.result_id).first()


def prune(*, now: datetime | None = None, batch_size: int = 10_000) -> int:
    """Delete the keys older than LIFETIME, a batch at a time (a beat task). Returns how many."""
    cutoff = (now or timezone.now()) - LIFETIME
    deleted = 0
    while True:
        batch = list(IdempotencyKey.objects.filter(created_at__lte=cutoff).values_list("pk", flat=True)[:batch_size])
        if not batch:
            return deleted
        deleted += IdempotencyKey.objects.filter(pk__in=batch).delete()[0]
