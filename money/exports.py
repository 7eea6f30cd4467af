"""CSV exports of transfers and of the platform's balance activity (issue 20): the lists' own
querysets, a date range, amounts in major units with their currency; streamed or written by a
job (platform_console/exports.py)."""

import zoneinfo
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from platform_console import permissions
from platform_console.exports import Exporter

from . import currency, selectors
from .models import Entry, Transfer

TRANSFER_HEADER = ["id", "created", "account_id", "account_name", "amount", "currency", "amount_reversed", "status",
                   "sent_to", "payout_id", "description"]
ACTIVITY_HEADER = ["created", "type", "source", "details", "balance", "amount", "currency"]


def parse_day(value: str) -> date | None:
    """A yyyy-mm-dd day from a date input; None when empty. Raises ValueError for anything else
    (a day the export's range cannot hold, such as 9999-12-31, included)."""
    text = (value or "").strip()
    if not text:
        return None
    day = date.fromisoformat(text[:10])
    if not 1900 <= day.year <= 9998:
        raise ValueError(text)
    return day


def _zone(params: dict):
    """The time zone the days were chosen in: the operator's, carried in the parameters, so that a
    job in the worker reads the same days as the streamed download did."""
    try:
        return zoneinfo.ZoneInfo(params.get("tz") or timezone.get_default_timezone_name())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_default_timezone()


def within(queryset: QuerySet, *, start: date | None, end: date | None, zone) -> QuerySet:
    """Rows created on `start` or later and on `end` or earlier (whole days in `zone`)."""
    if start:
        queryset = queryset.filter(created_at__gte=datetime.combine(start, time.min, tzinfo=zone))
    if end:
        queryset = queryset.filter(created_at__lt=datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone))
    return queryset


def _transfers(membership, livemode: bool, params: dict) -> QuerySet[Transfer]:
    transfers = selectors.search_transfers(platform=membership.platform, livemode=livemode, q=params.get("q", ""),
                                           currency=params.get("currency", ""), route=params.get("route", ""))
    return within(transfers, start=_day(params, "from"), end=_day(params, "to"), zone=_zone(params))


def _activity(membership, livemode: bool, params: dict) -> QuerySet[Entry]:
    activity = selectors.platform_activity(platform=membership.platform, livemode=livemode)
    return within(activity, start=_day(params, "from"), end=_day(params, "to"), zone=_zone(params))


def _day(params: dict, name: str) -> date | None:
    try:
        return parse_day(params.get(name, ""))
    except ValueError:  # checked by the view before; a stored job's parameters are its own
        return None


def _counter(queryset_of):
    def count(membership, livemode: bool, params: dict, limit: int | None) -> int:
        rows = queryset_of(membership, livemode, params).order_by()
        return (rows[: limit + 1] if limit is not None else rows).count()

    return count


def transfer_rows(membership, livemode: bool, params: dict):
    return TRANSFER_HEADER, _transfer_lines(_transfers(membership, livemode, params))


def activity_rows(membership, livemode: bool, params: dict):
    return ACTIVITY_HEADER, _activity_lines(_activity(membership, livemode, params))


def _transfer_lines(transfers: QuerySet[Transfer]):
    for transfer in transfers.order_by("-created_at", "-pk").iterator(chunk_size=2000):
        account = transfer.connection.account
        payout = getattr(transfer, "payout", None)
        yield [
            transfer.public_id, transfer.created_at.isoformat(), account.public_id, account.display_name,
            currency.input_value(transfer.amount, transfer.currency), transfer.currency.upper(),
            currency.input_value(transfer.amount_reversed, transfer.currency),
            transfer.reversal_status or "Paid", "bank or card" if payout else "balance",
            payout.public_id if payout else "", transfer.description,
        ]


def _activity_lines(entries: QuerySet[Entry]):
    for entry in entries.order_by("-created_at", "-pk").iterator(chunk_size=2000):
        yield [
            entry.created_at.isoformat(), entry.get_kind_display(), entry.source_id or entry.posting.public_id,
            " · ".join(part for part in (entry.posting.counterparty, entry.posting.description) if part),
            entry.ledger_account.get_bucket_display(), currency.input_value(entry.amount, entry.currency),
            entry.currency.upper(),
        ]


BOTH = (permissions.EXPORT_ACCOUNTS, permissions.VIEW_BALANCES)
TRANSFERS = Exporter(kind="transfers", label="Transfers", permissions=BOTH, rows=transfer_rows,
                     count=_counter(_transfers))
ACTIVITY = Exporter(kind="balance-activity", label="Balance activity", permissions=BOTH, rows=activity_rows,
                    count=_counter(_activity))
