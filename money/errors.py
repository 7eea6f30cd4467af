"""Why a money operation was refused, in a sentence an operator can act on.

Each error names the form field it belongs next to (`field`), or None for the whole form. A
refusal always means nothing moved: services raise these inside their transaction, which then
rolls back.
"""

from django.core.exceptions import PermissionDenied


class MoneyError(Exception):
    field: str | None = None
    code = "money_error"

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field

    def __str__(self) -> str:
        return self.message


class OperationNotPermitted(MoneyError, PermissionDenied):
    """The actor's roles do not allow this. Also a PermissionDenied, so a view that lets it
    escape answers 403."""

    code = "not_permitted"


class InvalidAmount(MoneyError):
    field = "amount"
    code = "invalid_amount"


class InsufficientFunds(MoneyError):
    field = "amount"
    code = "insufficient_funds"


class UnsupportedCurrency(MoneyError):
    field = "currency"
    code = "unsupported_currency"


class AccountNotEligible(MoneyError):
    """The connected account cannot take part: not active, removed, capability inactive,
    payouts paused, not platform-liable, another region..."""

    field = "destination"
    code = "account_not_eligible"


class DestinationNotEligible(MoneyError):
    """The bank account or debit card cannot receive this payout."""

    field = "send_to"
    code = "destination_not_eligible"


class ConsentMissing(MoneyError):
    code = "consent_missing"


class IdempotencyConflict(MoneyError):
    code = "idempotency_conflict"

    def __init__(self, message: str = "", **kwargs):
        super().__init__(
            message
            or "This request was already used for a different operation. Close the dialog and start again.",
            **kwargs,
        )


class FeatureDisabled(MoneyError):
    code = "feature_disabled"
