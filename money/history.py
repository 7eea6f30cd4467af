"""The platform's available balance day by day, for the chart on Home (issue 20).

A day's closing balance is today's balance less what was posted after that day: only each day's
sum of entries is needed, and a past day's sum never changes (entries are append-only), so past
days are read once and kept in the cache; each view reads today's entries and the days it has
not seen yet, in one grouped query.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from platform_console.models import Platform

from .ledger import Bucket, Kind
from .models import Entry, LedgerAccount

CACHE_SECONDS = 60 * 60 * 24 * 100


@dataclass(frozen=True)
class Point:
    day: date
    balance: int  # minor units, at the end of the day


def balance_history(*, platform: Platform, livemode: bool, currency: str, days: int,
                    today: date | None = None) -> list[Point]:
    """Closing available balance of the platform in `currency` for each of the last `days` days
    (the operator's time zone), oldest first; empty when the platform never held that currency."""
    account = LedgerAccount.objects.filter(platform=platform, livemode=livemode, kind=Kind.PLATFORM,
                                           currency=currency, bucket=Bucket.AVAILABLE).first()
    if account is None:
        return []
    zone = timezone.get_current_timezone()
    today = today or timezone.localdate()
    wanted = [today - timedelta(days=n) for n in range(days - 1)]  # the sums after each earlier day's close
    sums = _daily_sums(account, wanted, today, zone)
    points, balance = [], account.balance
    for n in range(days):
        day = today - timedelta(days=n)
        points.append(Point(day, balance))
        balance -= sums.get(day, 0)
    return list(reversed(points))


def _key(account: LedgerAccount, day: date, zone) -> str:
    return f"money:day-sum:{account.pk}:{zone}:{day.isoformat()}"


def _daily_sums(account: LedgerAccount, days: list[date], today: date, zone) -> dict[date, int]:
    past = [day for day in days if day < today]
    cached = cache.get_many([_key(account, day, zone) for day in past])
    sums = {day: cached[_key(account, day, zone)] for day in past if _key(account, day, zone) in cached}
    missing = [day for day in days if day not in sums]
    if not missing:
        return sums
    start = datetime.combine(min(missing), time.min, tzinfo=zone)
    rows = (
        Entry.objects.filter(ledger_account=account, created_at__gte=start)
        .annotate(day=TruncDate("created_at", tzinfo=zone)).values("day").annotate(total=Sum("amount")).order_by()
    )
    found = {row["day"]: row["total"] for row in rows}
    for day in missing:
        sums[day] = found.get(day, 0)
    cache.set_many({_key(account, day, zone): sums[day] for day in missing if day < today}, CACHE_SECONDS)
    return sums


WIDTH, HEIGHT, PAD = 600, 160, 8


def chart(points: list[Point]) -> dict:
    """The line of `points` in a WIDTH × HEIGHT SVG box (server-rendered: no script, no inline
    style), with the range it spans; the template draws it and the same numbers as a table."""
    if not points:
        return {}
    low, high = min(p.balance for p in points), max(p.balance for p in points)
    span = (high - low) or 1
    step = (WIDTH - 2 * PAD) / max(len(points) - 1, 1)
    coordinates = [
        (round(PAD + n * step, 1), round(HEIGHT - PAD - (p.balance - low) / span * (HEIGHT - 2 * PAD), 1))
        for n, p in enumerate(points)
    ]
    line = " ".join(f"{x},{y}" for x, y in coordinates)
    area = f"{PAD},{HEIGHT - PAD} {line} {coordinates[-1][0]},{HEIGHT - PAD}"
    return {"line": line, "area": area, "width": WIDTH, "height": HEIGHT, "low": low, "high": high,
            "first": points[0], "last": points[-1], "points": points}
