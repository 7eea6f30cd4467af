"""Every read the money pages need, scoped to the operator's platform and mode, with what the
templates touch already joined."""

import re
from dataclasses import dataclass

from django.db.models import OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.models import Connection, ExternalAccount
from accounts.selectors import connections_in_scope, parse_query, search_connections
from platform_console.models import Platform

from . import currency as currencies
from .ledger import Bucket, Kind
from .models import AccountDebit, Entry, LedgerAccount, Payout, TopUp, Transfer, TransferReversal

PUBLIC_ID_RE = re.compile(r"(tr|po|acct|py|tu|txn)_[A-Za-z0-9]{1,40}")


@dataclass
class Balance:
    currency: str
    available: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        return self.available + self.pending


def _balances(accounts: QuerySet[LedgerAccount], always: list[str]) -> list[Balance]:
    found: dict[str, Balance] = {currency: Balance(currency) for currency in always if currency}
    for currency, bucket, balance in accounts.values_list("currency", "bucket", "balance"):
        row = found.setdefault(currency, Balance(currency))
        if bucket == Bucket.AVAILABLE:
            row.available += balance
        else:
            row.pending += balance
    # The default currency first, then the others by code.
    first = always[0] if always else ""
    return sorted(found.values(), key=lambda b: (b.currency != first, b.currency))


def platform_balances(*, platform: Platform, livemode: bool) -> list[Balance]:
    accounts = LedgerAccount.objects.filter(platform=platform, livemode=livemode, kind=Kind.PLATFORM)
    return _balances(accounts, [platform.default_currency])


def connection_balances(connection: Connection) -> list[Balance]:
    accounts = LedgerAccount.objects.filter(kind=Kind.CONNECTION, connection=connection)
    return _balances(accounts, [connection.account.default_currency])


def platform_available(*, platform: Platform, livemode: bool, currency: str) -> int:
    row = LedgerAccount.objects.filter(
        platform=platform, livemode=livemode, kind=Kind.PLATFORM, currency=currency, bucket=Bucket.AVAILABLE
    ).values_list("balance", flat=True)
    return next(iter(row), 0)


def connection_available(connection: Connection, currency: str) -> int:
    row = LedgerAccount.objects.filter(
        kind=Kind.CONNECTION, connection=connection, currency=currency, bucket=Bucket.AVAILABLE
    ).values_list("balance", flat=True)
    return next(iter(row), 0)


# Lists ---------------------------------------------------------------------------------------


def search_transfers(
    *, platform: Platform, livemode: bool, q: str = "", currency: str = "", route: str = ""
) -> QuerySet[Transfer]:
    """Transfers of the platform in this mode. `q` is a tr_/po_/acct_ id (exact) or part of the
    account's name or email; `route` is "balance" (kept in the account's balance) or "payout"
    (paid on to a bank account or card)."""
    qs = Transfer.objects.filter(platform=platform, livemode=livemode).select_related(
        "connection__account", "payout__destination"
    )
    q = (q or "").strip()[:200]
    if q:
        if "\x00" in q:
            return qs.none()
        if PUBLIC_ID_RE.fullmatch(q):
            prefix = q.split("_", 1)[0]
            field = {
                "tr": "public_id",
                "po": "payout__public_id",
                "acct": "connection__account__public_id",
            }.get(prefix)
            qs = qs.filter(**{field: q}) if field else qs.none()
        else:
            qs = qs.filter(
                Q(connection__account__name__ilike_contains=q)
                | Q(connection__account__legal_name__ilike_contains=q)
                | Q(connection__account__email__ilike_contains=q)
                | Q(description__ilike_contains=q)
            )
    if currency:
        qs = qs.filter(currency=currency)
    if route == "balance":
        qs = qs.filter(payout__isnull=True)
    elif route == "payout":
        qs = qs.filter(payout__isnull=False)
    return qs


def get_transfer(*, platform: Platform, livemode: bool, transfer_id: str) -> Transfer | None:
    return (
        Transfer.objects.filter(platform=platform, livemode=livemode, public_id=transfer_id)
        .select_related("connection__account", "payout__destination", "posting", "created_by__user")
        .first()
    )


def transfer_reversals(transfer: Transfer) -> list[TransferReversal]:
    return list(transfer.reversals.select_related("created_by__user").order_by("-created_at", "-pk"))


def topups(*, platform: Platform, livemode: bool) -> QuerySet[TopUp]:
    return TopUp.objects.filter(platform=platform, livemode=livemode).select_related("created_by__user")


def platform_activity(*, platform: Platform, livemode: bool) -> QuerySet[Entry]:
    """The platform balance's lines (its balance transactions), newest first when paged."""
    return Entry.objects.filter(
        ledger_account__platform=platform,
        ledger_account__livemode=livemode,
        ledger_account__kind=Kind.PLATFORM,
    ).select_related("posting", "ledger_account")


def connection_activity(connection: Connection) -> QuerySet[Entry]:
    return Entry.objects.filter(
        ledger_account__kind=Kind.CONNECTION, ledger_account__connection=connection
    ).select_related("posting", "ledger_account")


def connection_transfers(connection: Connection) -> QuerySet[Transfer]:
    return Transfer.objects.filter(connection=connection).select_related("payout__destination")


def connection_payouts(connection: Connection) -> QuerySet[Payout]:
    return Payout.objects.filter(connection=connection).select_related("destination")


def connection_debits(connection: Connection) -> QuerySet[AccountDebit]:
    return AccountDebit.objects.filter(connection=connection).select_related("created_by__user")


def payout_destinations(connection: Connection, currency: str | None = None) -> list[ExternalAccount]:
    """Bank accounts and cards of the account that can receive a payout (in `currency`)."""
    qs = ExternalAccount.objects.filter(account_id=connection.account_id).exclude(
        status__in=[ExternalAccount.Status.ERRORED, ExternalAccount.Status.VERIFICATION_FAILED]
    )
    if currency:
        qs = qs.filter(currency=currency)
    return list(qs.order_by("-default_for_currency", "kind", "created_at"))


def find_destinations(*, platform: Platform, livemode: bool, text: str, limit: int = 8) -> list[Connection]:
    """Accounts matching the destination search box of the send-funds dialog."""
    if not (text or "").strip():
        return []
    qs = search_connections(platform=platform, livemode=livemode, query=parse_query(text))
    return list(qs.prefetch_related("capabilities").order_by("account__name", "pk")[:limit])


def destination(*, platform: Platform, livemode: bool, account_id: str) -> Connection | None:
    """The chosen destination of the send-funds dialog, or None when it isn't this tenant's."""
    if not account_id or not account_id.startswith("acct_"):
        return None
    return (
        connections_in_scope(platform=platform, livemode=livemode)
        .select_related("account")
        .prefetch_related("capabilities", "account__external_accounts")
        .filter(account__public_id=account_id)
        .first()
    )


# The Connected accounts list column ---------------------------------------------------------


def annotate_available_balance(queryset: QuerySet[Connection]) -> QuerySet[Connection]:
    """Each connection's available balance in its default currency, as one correlated subquery
    (served by the unique index on (connection, currency, bucket)): no query per row."""
    balance = LedgerAccount.objects.filter(
        kind=Kind.CONNECTION,
        connection=OuterRef("pk"),
        currency=OuterRef("account__default_currency"),
        bucket=Bucket.AVAILABLE,
    ).values("balance")[:1]
    return queryset.annotate(money_available=Coalesce(Subquery(balance), Value(0)))


def supported_currencies() -> list[tuple[str, str]]:
    return [(code, code.upper()) for code in currencies.SUPPORTED]
