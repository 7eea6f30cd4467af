"""Money rules that need no lock: who may act, which accounts qualify, regions, fees.

Each check returns the refusal (a MoneyError to raise or to show as the reason a button is
disabled) or None. Services call them again inside their transaction; views call them to
explain a disabled button before anyone clicks it.
"""

from django.conf import settings

from accounts.models import Capability, Connection, ExternalAccount
from platform_console import permissions
from platform_console.models import Membership, Platform

from . import currency as currencies
from .errors import (
    AccountNotEligible,
    ConsentMissing,
    DestinationNotEligible,
    FeatureDisabled,
    InsufficientFunds,
    InvalidAmount,
    MoneyError,
    OperationNotPermitted,
    UnsupportedCurrency,
)
from .models import AccountDebitConsent

fmt = currencies.format_money

# Account debits: platform and account must be in the same region (domain.md §7.11).
EEA_UK_CH = frozenset(
    {
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
        "IS",
        "LI",
        "NO",
        "GB",
        "CH",
    }
)
REGION_NAMES = {
    "US": "the United States",
    "CA": "Canada",
    "EU": "Europe (EEA, UK and Switzerland)",
    "HK": "Hong Kong",
    "JP": "Japan",
    "NZ": "New Zealand",
    "AU": "Australia",
}

PERMISSION_SENTENCES = {
    permissions.ADD_TO_BALANCE: "Only Administrators can add to the balance.",
    permissions.SEND_FUNDS: "Only Administrators can send funds.",
    permissions.SEND_TO_EXTERNAL: "Only Administrators can send funds to a bank account or debit card.",
    permissions.PULL_FUNDS: "Only Administrators can pull funds.",
}


def possessive(name: str) -> str:
    """ "Acme Bakery" -> "Acme Bakery's"; "Rocket Rides" -> "Rocket Rides'"."""
    name = str(name or "")
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def region_of(country: str) -> str | None:
    code = (country or "").upper()
    if code in EEA_UK_CH:
        return "EU"
    if code in REGION_NAMES:
        return code
    return None


def permission_refusal(actor: Membership, permission: str) -> OperationNotPermitted | None:
    if actor.can(permission):
        return None
    return OperationNotPermitted(PERMISSION_SENTENCES.get(permission, "Your role does not allow this."))


def ensure_can(actor: Membership, permission: str) -> None:
    if (refusal := permission_refusal(actor, permission)) is not None:
        raise refusal


def account_currencies(connection: Connection, external_accounts=None) -> list[str]:
    """Currencies the account can hold: its default currency and those of its bank accounts
    and cards (no implicit FX, domain.md §8.1)."""
    found = [connection.account.default_currency]
    for destination in (
        external_accounts if external_accounts is not None else connection.account.external_accounts.all()
    ):
        if destination.currency not in found:
            found.append(destination.currency)
    return found


def currency_refusal(currency: str) -> UnsupportedCurrency | None:
    if not currencies.is_supported(currency):
        return UnsupportedCurrency(
            f"{(currency or '?').upper()} is not a currency the console can move money in."
        )
    return None


def transfer_refusal(
    connection: Connection, currency: str | None = None, external_accounts=None
) -> MoneyError | None:
    """Why funds cannot be sent to this account (in this currency), or None."""
    name = connection.account.display_name
    if (
        connection.lifecycle_state == Connection.Lifecycle.REMOVED
        or connection.lifecycle_state == Connection.Lifecycle.DELETED
    ):
        return AccountNotEligible(f"{name} has been removed from the platform; funds can't be sent to it.")
    if connection.lifecycle_state == Connection.Lifecycle.REJECTED:
        return AccountNotEligible(f"{name} has been rejected; funds can't be sent to it.")
    if connection.lifecycle_state != Connection.Lifecycle.ACTIVE:
        return AccountNotEligible(f"{name} hasn't finished connecting to the platform yet.")
    transfers = next((c for c in connection.capabilities.all() if c.name == "transfers"), None)
    # An inactivity hold pauses verifications, not money: the transfer is the activity that lifts it.
    on_hold = transfers is not None and transfers.disabled_reason == "paused.inactivity"
    if transfers is None or (transfers.status != Capability.Status.ACTIVE and not on_hold):
        state = "not requested" if transfers is None else transfers.get_status_display().lower()
        return AccountNotEligible(
            f"{name} can't receive transfers: its Transfers capability is {state}, not active."
        )
    if currency is not None:
        if (refusal := currency_refusal(currency)) is not None:
            return refusal
        held = account_currencies(connection, external_accounts)
        if currency not in held:
            return UnsupportedCurrency(
                f"{name} holds {', '.join(c.upper() for c in held)}, not {currency.upper()}. "
                "Cross-currency transfers are not supported."
            )
    return None


def payout_destination_refusal(
    connection: Connection, destination: ExternalAccount, currency: str
) -> DestinationNotEligible | None:
    if destination.account_id != connection.account_id:
        return DestinationNotEligible("Choose a bank account or debit card of this account.")
    if destination.currency != currency:
        return DestinationNotEligible(
            f"{destination} receives {destination.currency.upper()}; it can't be paid {currency.upper()}."
        )
    if destination.status in (ExternalAccount.Status.ERRORED, ExternalAccount.Status.VERIFICATION_FAILED):
        return DestinationNotEligible(
            f"{destination} is {destination.get_status_display().lower()}: the account holder must update it first."
        )
    return None


def payouts_refusal(connection: Connection) -> AccountNotEligible | None:
    name = connection.account.display_name
    if connection.payouts_paused:
        return AccountNotEligible(f"Payouts to {name} are paused.", field="send_to")
    if not connection.payouts_enabled:
        return AccountNotEligible(f"Payouts are not enabled for {name} yet.", field="send_to")
    return None


def liability_refusal(connection: Connection, action: str) -> AccountNotEligible | None:
    if not connection.is_platform_liable:
        return AccountNotEligible(
            f"{action} is only available for accounts where the platform is liable for negative balances "
            f"(Express and None). The provider is liable for {connection.account.display_name}."
        )
    return None


def current_consent(connection: Connection) -> AccountDebitConsent | None:
    return (
        AccountDebitConsent.objects.filter(connection=connection, revoked_at__isnull=True)
        .order_by("-granted_at")
        .first()
    )


def debit_refusal(
    connection: Connection, platform: Platform, consent: AccountDebitConsent | None
) -> MoneyError | None:
    """Why funds cannot be pulled from this account, or None (domain.md §7.11)."""
    if not settings.MONEY_ACCOUNT_DEBITS_ENABLED:
        return FeatureDisabled("Pull funds is not enabled on this installation.")
    name = connection.account.display_name
    if (refusal := liability_refusal(connection, "Pull funds")) is not None:
        return refusal
    if connection.lifecycle_state not in (Connection.Lifecycle.ACTIVE, Connection.Lifecycle.REJECTED):
        return AccountNotEligible(f"{name} is not an active account.")
    platform_region, account_region = region_of(platform.country), region_of(connection.account.country)
    if platform_region is None:
        return AccountNotEligible(
            "Account debits are not available for platforms in this country "
            "(supported: the US, Canada, Europe, Hong Kong, Japan, New Zealand and Australia)."
        )
    if account_region != platform_region:
        return AccountNotEligible(
            f"{name} is outside {REGION_NAMES[platform_region]}: funds can only be pulled from accounts in the "
            "platform's own region."
        )
    if consent is None:
        return ConsentMissing(
            f"{name} has not given consent to account debits. Record the holder's consent before pulling funds."
        )
    return None


def debit_fee(amount: int, currency: str) -> int:
    """The account-debit fee the platform pays: basis points of the amount (rounded half up)
    plus a fixed amount per currency, both from settings (domain.md §7.11, §8.6)."""
    bps = settings.ACCOUNT_DEBIT_FEE_BPS
    fixed = int(settings.ACCOUNT_DEBIT_FEE_FIXED.get(currency, 0))
    return (amount * bps + 5_000) // 10_000 + fixed


# The balance guards' sentences: the engine's guard (the database refuses the overdraft) and the
# dialogs' review step (`services.preview_*`) say the same thing from here.


def platform_short(available: int, amount: int, currency: str) -> InsufficientFunds:
    return InsufficientFunds(
        f"The platform's available balance is {fmt(available, currency)}, which doesn't cover "
        f"{fmt(amount, currency)}. Add to balance first."
    )


def payout_short(name: str, available: int, amount: int, currency: str) -> InsufficientFunds:
    return InsufficientFunds(
        f"{possessive(name)} available balance is {fmt(available, currency)}; it can't pay out {fmt(amount, currency)}."
    )


def pull_short(name: str, available: int, currency: str) -> InsufficientFunds:
    return InsufficientFunds(
        f"{possessive(name)} available balance is {fmt(max(available, 0), currency)}; you can pull at most that much."
    )


def fee_short(fee: int, currency: str) -> InsufficientFunds:
    return InsufficientFunds(
        f"The fee of {fmt(fee, currency)} is more than the platform's balance plus the pulled amount."
    )


def reversal_short(name: str, available: int, amount: int, currency: str) -> InsufficientFunds:
    return InsufficientFunds(
        f"{possessive(name)} available balance is {fmt(available, currency)}, which doesn't cover a reversal of "
        f"{fmt(amount, currency)}. Reverse less, or wait until the account has the funds."
    )


def reversal_too_large(reversible: int, currency: str) -> InvalidAmount:
    if reversible <= 0:
        return InvalidAmount("This transfer has already been reversed in full.")
    return InvalidAmount(f"You can reverse at most {fmt(reversible, currency)}, what is left of this transfer.")
