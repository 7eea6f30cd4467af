"""Payout schedules (domain.md §7.9): which days pay out, the next payout date, the delay rules.

Pure functions of the schedule and a date; money's scheduled-payout task and the details page
both use them, so the date shown is the date paid.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings

from . import field_catalogue as catalogue
from .models import Connection

WEEKDAYS = [day.value for day in Connection.Weekday]
HORIZON_DAYS = 62  # any non-manual schedule pays out within two months


@dataclass(frozen=True)
class Schedule:
    interval: str  # daily, weekly, monthly, manual
    weekly_anchor: str = ""
    monthly_anchor: int | None = None
    delay_days: int | None = None  # None: the country's minimum

    @classmethod
    def of(cls, connection: Connection) -> "Schedule":
        return cls(connection.payout_interval, connection.payout_weekly_anchor, connection.payout_monthly_anchor,
                   connection.payout_delay_days)


def is_payout_day(schedule: Schedule, on_date: date) -> bool:
    """Manual never pays out by itself; a monthly anchor of 29–31 falls back to the last day of
    shorter months."""
    if schedule.interval == Connection.PayoutInterval.DAILY:
        return True
    if schedule.interval == Connection.PayoutInterval.WEEKLY:
        return WEEKDAYS[on_date.weekday()] == (schedule.weekly_anchor or Connection.Weekday.MONDAY)
    if schedule.interval == Connection.PayoutInterval.MONTHLY:
        last_day = calendar.monthrange(on_date.year, on_date.month)[1]
        return on_date.day == min(schedule.monthly_anchor or 1, last_day)
    return False


def next_payout_date(schedule: Schedule, after: date) -> date | None:
    """The first payout day strictly after `after`; None for manual schedules."""
    if schedule.interval == Connection.PayoutInterval.MANUAL:
        return None
    day = after + timedelta(days=1)
    for _ in range(HORIZON_DAYS):
        if is_payout_day(schedule, day):
            return day
        day += timedelta(days=1)
    raise AssertionError("every non-manual schedule pays out within two months")


def minimum_delay_days(country: str) -> int:
    """The lowest delay a country allows: the field catalogue's per-country value, which a
    deployment may override with PAYOUT_MINIMUM_DELAY_DAYS (e.g. "default=2,JP=4")."""
    overrides = settings.PAYOUT_MINIMUM_DELAY_DAYS
    if country in overrides:
        return overrides[country]
    if "default" in overrides:
        return overrides["default"]
    return int(catalogue.country_format(country, "payout_minimum_delay_days"))


def effective_delay_days(schedule: Schedule, country: str) -> int:
    minimum = minimum_delay_days(country)
    return max(schedule.delay_days if schedule.delay_days is not None else minimum, minimum)


def describe(schedule: Schedule) -> str:
    delay = f"{schedule.delay_days}-day delay" if schedule.delay_days is not None else "minimum delay"
    if schedule.interval == Connection.PayoutInterval.MANUAL:
        return "Manual — pays out only on request"
    if schedule.interval == Connection.PayoutInterval.WEEKLY:
        return f"Weekly on {(schedule.weekly_anchor or 'monday').capitalize()}, {delay}"
    if schedule.interval == Connection.PayoutInterval.MONTHLY:
        return f"Monthly on day {schedule.monthly_anchor or 1}, {delay}"
    return f"Daily, {delay}"
