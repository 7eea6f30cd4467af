"""Keyset pagination and capped counts: both stay fast at a million rows.

Pages are addressed by an opaque cursor (the created_at and id of the row at the edge) rather
than an offset, so page 40 000 costs the same index range scan as page 1 and rows inserted
meanwhile cause neither duplicates nor gaps.
"""

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet


def encode_cursor(created_at: datetime, pk: int) -> str:
    raw = f"{int(created_at.timestamp() * 1_000_000)}.{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    if not cursor or len(cursor) > 64:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        micros, pk = raw.split(".")
        return datetime.fromtimestamp(int(micros) / 1_000_000, tz=UTC), int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError, OSError):
        return None


@dataclass
class KeysetPage:
    items: list[Any]
    next_cursor: str | None  # older rows
    previous_cursor: str | None  # newer rows

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_cursor or self.previous_cursor)


def keyset_page(queryset: QuerySet, *, after: str = "", before: str = "", size: int | None = None) -> KeysetPage:
    """One page of `queryset`, newest first by (created_at, id).

    `after` moves to older rows than the cursor, `before` to newer ones. An invalid cursor gives
    the first page.
    """
    size = size or settings.CONSOLE_PAGE_SIZE
    after_key, before_key = decode_cursor(after), decode_cursor(before)
    if before_key is not None:
        created, pk = before_key
        newer = queryset.filter(Q(created_at__gt=created) | Q(created_at=created, pk__gt=pk))
        rows = list(newer.order_by("created_at", "pk")[: size + 1])
        has_newer = len(rows) > size
        rows = list(reversed(rows[:size]))
        if not rows:
            return keyset_page(queryset, size=size)
        return KeysetPage(
            items=rows,
            next_cursor=encode_cursor(rows[-1].created_at, rows[-1].pk),
            previous_cursor=encode_cursor(rows[0].created_at, rows[0].pk) if has_newer else None,
        )
    page_qs = queryset
    if after_key is not None:
        created, pk = after_key
        page_qs = queryset.filter(Q(created_at__lt=created) | Q(created_at=created, pk__lt=pk))
    rows = list(page_qs.order_by("-created_at", "-pk")[: size + 1])
    has_older = len(rows) > size
    rows = rows[:size]
    return KeysetPage(
        items=rows,
        next_cursor=encode_cursor(rows[-1].created_at, rows[-1].pk) if has_older and rows else None,
        previous_cursor=encode_cursor(rows[0].created_at, rows[0].pk) if after_key is not None and rows else None,
    )


@dataclass(frozen=True)
class CappedCount:
    value: int
    capped: bool

    def __str__(self) -> str:
        return f"{self.value:,}+" if self.capped else f"{self.value:,}"


def capped_count(queryset: QuerySet, cap: int | None = None) -> CappedCount:
    """COUNT over at most cap+1 rows: exact for small sets, "1,000+" for big ones."""
    cap = cap or settings.CONSOLE_COUNT_CAP
    n = queryset.order_by()[: cap + 1].count()
    return CappedCount(value=min(n, cap), capped=n > cap)
