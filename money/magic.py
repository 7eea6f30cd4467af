"""Test-mode magic values for money (domain.md §10): which payout destinations and top-up bank
tokens succeed, which fail, and with what code.

External accounts never keep their full number: `fingerprint` is a keyed hash of it, and a
destination is recognised as a magic number by comparing fingerprints. Destinations without a
fingerprint (created before fingerprints existed, or by hand in the back office) are recognised
by their last four digits, which are unambiguous within a kind for the documented numbers.
"""

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings

from accounts.models import ExternalAccount
from accounts.services import fingerprint

MAGIC_ROUTING_NUMBER = "110000000"

# Bank account numbers (routing 110000000): outcome of a payout. None = succeeds.
BANK_OUTCOMES: dict[str, str | None] = {
    "000123456789": None,
    "000111111116": "no_account",
    "000111111113": "account_closed",
    "000222222227": "insufficient_funds",
    "000333333335": "debit_not_authorized",
    "000444444440": "invalid_currency",
}
BANK_NO_INSTANT = frozenset({"000888888883"})

# Debit card numbers: outcome of a payout. None = succeeds.
CARD_OUTCOMES: dict[str, str | None] = {
    "4000056655665556": None,  # Visa
    "5200828282828210": None,  # Mastercard
    "6011981111111113": None,  # Discover
    "4000056655665572": "could_not_process",
}
CARD_NO_INSTANT = frozenset({"4000056755665555"})

# Top-up bank tokens: "btok_us_verified" succeeds; these suffixes fail with the matching code.
TOPUP_SUCCESS_TOKEN = "btok_us_verified"
TOPUP_FAILURE_SUFFIXES = {
    "_noAccount": "no_account",
    "_accountClosed": "account_closed",
    "_insufficientFunds": "insufficient_funds",
    "_debitNotAuthorized": "debit_not_authorized",
    "_invalidCurrency": "invalid_currency",
}
TOPUP_TOKENS = [TOPUP_SUCCESS_TOKEN] + [TOPUP_SUCCESS_TOKEN + suffix for suffix in TOPUP_FAILURE_SUFFIXES]


@lru_cache(maxsize=4)
def _by_fingerprint(secret: str) -> dict[tuple[str, str], str]:
    table: dict[tuple[str, str], str] = {}
    for kind, numbers in (
        (ExternalAccount.Kind.BANK_ACCOUNT.value, [*BANK_OUTCOMES, *BANK_NO_INSTANT]),
        (ExternalAccount.Kind.CARD.value, [*CARD_OUTCOMES, *CARD_NO_INSTANT]),
    ):
        for number in numbers:
            table[(kind, fingerprint(kind, number))] = number
    return table


def magic_number(destination: ExternalAccount) -> str | None:
    """The documented test number this destination is, or None."""
    if destination.fingerprint:
        return _by_fingerprint(settings.SECRET_KEY).get((str(destination.kind), destination.fingerprint))
    if destination.kind == ExternalAccount.Kind.BANK_ACCOUNT:
        if destination.routing_number and destination.routing_number != MAGIC_ROUTING_NUMBER:
            return None
        candidates = [*BANK_OUTCOMES, *BANK_NO_INSTANT]
    else:
        candidates = [*CARD_OUTCOMES, *CARD_NO_INSTANT]
    matches = [number for number in candidates if number.endswith(destination.last4)]
    return matches[0] if len(matches) == 1 else None


@dataclass(frozen=True)
class PayoutOutcome:
    failure_code: str = ""
    instant_allowed: bool = True

    @property
    def succeeds(self) -> bool:
        return not self.failure_code


def payout_outcome(destination: ExternalAccount, *, livemode: bool) -> PayoutOutcome:
    """What happens to a payout to `destination`. Live mode has no magic: payouts succeed, and
    instant depends on what the destination supports."""
    if livemode:
        return PayoutOutcome(instant_allowed=destination.supports_instant)
    number = magic_number(destination)
    if number is None:
        return PayoutOutcome(instant_allowed=destination.supports_instant)
    if number in BANK_NO_INSTANT or number in CARD_NO_INSTANT:
        return PayoutOutcome(instant_allowed=False)
    code = (
        BANK_OUTCOMES.get(number)
        if destination.kind == ExternalAccount.Kind.BANK_ACCOUNT
        else CARD_OUTCOMES.get(number)
    )
    return PayoutOutcome(
        failure_code=code or "", instant_allowed=destination.kind == ExternalAccount.Kind.CARD
    )


def topup_failure_code(token: str) -> str:
    """'' when the test bank token funds the top-up, else the failure code."""
    token = token or TOPUP_SUCCESS_TOKEN
    if token == TOPUP_SUCCESS_TOKEN:
        return ""
    for suffix, code in TOPUP_FAILURE_SUFFIXES.items():
        if token == TOPUP_SUCCESS_TOKEN + suffix:
            return code
    return "invalid_token"
