"""Idempotency keys: a repeated money request returns the first result instead of moving money
again (domain.md §8.7).

`claim` runs first inside the operation's transaction. It inserts the (platform, key) row; when
another request with the same key is still running, PostgreSQL makes this insert wait for it, and
once that one commits the insert fails on the unique constraint — so the loser reads the winner's
row and returns its result. When the winner rolled back (a refusal), the loser's insert simply
goes through. Nothing else in money catches IntegrityError.
"""

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model

from platform_console.models import Platform

from .errors import IdempotencyConflict
from .models import AccountDebit, AccountDebitConsent, IdempotencyKey, Payout, TopUp, Transfer

MAX_KEY_LENGTH = 255

RESULT_MODELS: dict[str, type[Model]] = {
    "topup": TopUp,
    "transfer": Transfer,
    "payout": Payout,
    "account_debit": AccountDebit,
    "debit_consent": AccountDebitConsent,
}


def new_key() -> str:
    """A fresh key for a dialog's hidden input."""
    return "ik_" + secrets.token_urlsafe(24)


def params_hash(operation: str, params: dict[str, Any]) -> str:
    canonical = json.dumps(
        {"operation": operation, **params}, sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class Claim:
    """Either the first use of the key (`row` to complete with the result) or a replay (`result`)."""

    row: IdempotencyKey | None = None
    result: Model | None = None

    @property
    def is_replay(self) -> bool:
        return self.result is not None


def _result_of(row: IdempotencyKey, operation: str, digest: str) -> Model:
    if row.operation != operation or row.params_hash != digest:
        raise IdempotencyConflict()
    model = RESULT_MODELS[row.result_type]
    return model.objects.get(public_id=row.result_id)


def checked_key(key: str) -> str:
    key = (key or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise IdempotencyConflict(
            "This request has no valid idempotency key. Close the dialog and start again."
        )
    return key


def replayed(*, platform: Platform, key: str, operation: str, digest: str) -> Model:
    """The result of the committed request that used `key` (an operation that claimed its key
    in SQL and found it taken). Raises IdempotencyConflict as `claim` does."""
    return _result_of(IdempotencyKey.objects.get(platform=platform, key=key), operation, digest)


def claim(*, platform: Platform, key: str, operation: str, params: dict[str, Any]) -> Claim:
    """Claim `key` for this operation, or return the result of the request that already used it.

    Raises IdempotencyConflict when the key was used with other parameters or another operation.
    Must run inside the operation's transaction, before any ledger row is locked.
    """
    key = checked_key(key)
    digest = params_hash(operation, params)
    existing = IdempotencyKey.objects.filter(platform=platform, key=key).first()
    if existing is not None:
        return Claim(result=_result_of(existing, operation, digest))
    try:
        with transaction.atomic():  # a savepoint: the failed insert must not break the transaction
            row = IdempotencyKey.objects.create(
                platform=platform, key=key, operation=operation, params_hash=digest
            )
    except IntegrityError:
        # Another request with this key committed while we waited on the unique index.
        existing = IdempotencyKey.objects.get(platform=platform, key=key)
        return Claim(result=_result_of(existing, operation, digest))
    return Claim(row=row)


def complete(claimed: Claim, result: Model, result_type: str) -> None:
    row = claimed.row
    if row is None:
        return
    row.result_type = result_type
    row.result_id = result.public_id
    row.save(update_fields=["result_type", "result_id"])
