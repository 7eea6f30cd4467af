"""Keyset pagination and capped counts: both stay fast at a million rows.

Pages are addressed by an opaque cursor (the created_at and id of the row at the edge) rather
than an offset, so page 40 000 costs the same index range scan as page 1 and rows inserted
meanwhile cause neither duplicates nor gaps.
"""

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
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
    # The page stopped at its edge (see `keyset_page`) before it was full: it examined this many
    # rows; more may match beyond them, where the cursor on that side continues.
    examined: int | None = None

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_cursor or self.previous_cursor)


def keyset_page(
    queryset: QuerySet,
    *,
    after: str = "",
    before: str = "",
    size: int | None = None,
    within: QuerySet | None = None,
    examine: int = 0,
) -> KeysetPage:
    """One page of `queryset`, newest first by (created_at, id).

    `after` moves to older rows than the cursor, `before` to newer ones. An invalid cursor gives
    the first page.

    With `within` (the unfiltered rows `queryset` was filtered from) and `examine`, the page looks
    at no more than the next `examine` rows of `within` past the cursor, however few of them match:
    its cost is bounded whatever the filter. A page that stops there before it is full says so
    (`examined`), and its cursor on that side continues after the last row examined.
    """
    size = size or settings.CONSOLE_PAGE_SIZE
    after_key, before_key = decode_cursor(after), decode_cursor(before)
    newer = before_key is not None
    edge = _edge(within, after_key, before_key, examine) if within is not None and examine else None
    if edge is not None:
        queryset = queryset.filter(_up_to(*edge, newer=newer))
    if newer:
        created, pk = before_key
        rows = list(queryset.filter(_beyond(created, pk, newer=True)).order_by("created_at", "pk")[: size + 1])
        has_newer = len(rows) > size
        rows = list(reversed(rows[:size]))
        if edge is not None and not has_newer:
            # Older rows go on from the page's oldest row, or, with none shown, from the row the
            # cursor named (inclusive: the cursor just past it in (created_at, id) order).
            older = (rows[-1].created_at, rows[-1].pk) if rows else (created, pk + 1)
            return KeysetPage(items=rows, next_cursor=encode_cursor(*older), previous_cursor=encode_cursor(*edge),
                              examined=examine)
        if not rows:
            return keyset_page(queryset, size=size, within=within, examine=examine)
        return KeysetPage(
            items=rows,
            next_cursor=encode_cursor(rows[-1].created_at, rows[-1].pk),
            previous_cursor=encode_cursor(rows[0].created_at, rows[0].pk) if has_newer else None,
        )
    page_qs = queryset
    if after_key is not None:
        created, pk = after_key
        page_qs = queryset.filter(_beyond(created, pk, newer=False))
    rows = list(page_qs.order_by("-created_at", "-pk")[: size + 1])
    has_older = len(rows) > size
    rows = rows[:size]
    previous_cursor = encode_cursor(rows[0].created_at, rows[0].pk) if after_key is not None and rows else None
    if edge is not None and not has_older:
        return KeysetPage(
            items=rows, next_cursor=encode_cursor(*edge), previous_cursor=previous_cursor, examined=examine
        )
    return KeysetPage(
        items=rows,
        next_cursor=encode_cursor(rows[-1].created_at, rows[-1].pk) if has_older and rows else None,
        previous_cursor=previous_cursor,
    )


def _edge(within: QuerySet, after_key, before_key, examine: int) -> tuple[datetime, int] | None:
    """(created_at, id) of the `examine`-th row of `within` past the cursor, in the page's
    direction; None when no row lies beyond it (then the page may look at all of them, and says
    nothing of more rows further on)."""
    if before_key is not None:
        rows = within.filter(_beyond(*before_key, newer=True)).order_by("created_at", "pk")
    else:
        rows = within.filter(_beyond(*after_key, newer=False)) if after_key is not None else within
        rows = rows.order_by("-created_at", "-pk")
    found = list(rows.values_list("created_at", "pk")[examine - 1 : examine + 1])
    return found[0] if len(found) == 2 else None


def _up_to(created: datetime, pk: int, *, newer: bool) -> Q:
    """Rows from the cursor up to and including the edge row (created, pk)."""
    if newer:
        return Q(created_at__lte=created) & (Q(created_at__lt=created) | Q(pk__lte=pk))
    return Q(created_at__gte=created) & (Q(created_at__gt=created) | Q(pk__gte=pk))


def _beyond(created: datetime, pk: int, *, newer: bool) -> Q:
    """Rows past the cursor in (created_at, id) order. The OR alone is only a filter, so the
    index scan would start at the newest row and step over every row before the cursor (page
    20 000 reads 500 000 index entries); the bare range on created_at in front of it becomes
    the index condition that starts the scan at the cursor."""
    if newer:
        return Q(created_at__gte=created) & (Q(created_at__gt=created) | Q(pk__gt=pk))
    return Q(created_at__lte=created) & (Q(created_at__lt=created) | Q(pk__lt=pk))


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


def capped_counts(
    queryset: QuerySet, *, field: str, values: list[str], cap: int | None = None
) -> dict[str, CappedCount]:
    """`capped_count` of `queryset` (under the key "") and of `queryset.filter(field=value)` for
    each of `values`, in one query: SELECT (SELECT COUNT(*) FROM (… LIMIT cap+1)), (…), …

    Compiled twice whatever the number of values (building and compiling each ORM query cost
    more than counting with it): the filtered query is compiled once with a stand-in value,
    which each count replaces in its own copy of the parameters.
    """
    cap = cap or settings.CONSOLE_COUNT_CAP
    stand_in = f"capped-count-{uuid.uuid4().hex}"
    try:
        every_sql, every_params = queryset.order_by().values("pk")[: cap + 1].query.sql_with_params()
        one_sql, one_params = (
            queryset.filter(**{field: stand_in}).order_by().values("pk")[: cap + 1].query.sql_with_params()
        )
    except EmptyResultSet:
        return dict.fromkeys(["", *values], CappedCount(value=0, capped=False))
    at = list(one_params).index(stand_in)
    parts, params = [f"(SELECT COUNT(*) FROM ({every_sql}) AS capped)"], list(every_params)
    for n, value in enumerate(values):
        parts.append(f"(SELECT COUNT(*) FROM ({one_sql}) AS capped_{n})")
        own = list(one_params)
        own[at] = value
        params += own
    with connections[queryset.db].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {
        key: CappedCount(value=min(n, cap), capped=n > cap)
        for key, n in zip(["", *values], row, strict=True)
    }
