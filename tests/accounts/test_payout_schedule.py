import calendar
from datetime import date, timedelta

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import Connection
from accounts.payout_schedule import Schedule, is_payout_day, next_payout_date
from platform_console.models import AuditEvent
from tests.factories import ConnectionFactory, MembershipFactory

WEEKDAYS = [d.value for d in Connection.Weekday]


def test_daily_pays_out_tomorrow():
    assert next_payout_date(Schedule("daily"), date(2026, 12, 31)) == date(2027, 1, 1)


def test_weekly_pays_out_on_its_anchor():
    assert next_payout_date(Schedule("weekly", weekly_anchor="friday"), date(2026, 11, 27)) == date(2026, 12, 4)


def test_monthly_day_31_falls_back_to_the_end_of_shorter_months():
    schedule = Schedule("monthly", monthly_anchor=31)
    assert next_payout_date(schedule, date(2027, 1, 31)) == date(2027, 2, 28)
    assert next_payout_date(schedule, date(2028, 1, 31)) == date(2028, 2, 29)  # leap year
    assert next_payout_date(schedule, date(2028, 2, 29)) == date(2028, 3, 31)


def test_manual_never_pays_out_by_itself():
    assert next_payout_date(Schedule("manual"), date(2026, 1, 1)) is None


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(1, 31))
def test_monthly_next_date_is_the_anchor_or_the_month_end(after, anchor):
    found = next_payout_date(Schedule("monthly", monthly_anchor=anchor), after)
    last = calendar.monthrange(found.year, found.month)[1]
    assert found > after and found.day == min(anchor, last)
    assert found - after <= timedelta(days=62)
    # No payout day was skipped in between.
    day = after + timedelta(days=1)
    while day < found:
        assert not is_payout_day(Schedule("monthly", monthly_anchor=anchor), day)
        day += timedelta(days=1)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.sampled_from(WEEKDAYS))
def test_weekly_next_date_is_within_a_week_on_the_anchor(after, anchor):
    found = next_payout_date(Schedule("weekly", weekly_anchor=anchor), after)
    assert 1 <= (found - after).days <= 7 and WEEKDAYS[found.weekday()] == anchor


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
       st.sampled_from(["daily", "weekly", "monthly"]), st.sampled_from(WEEKDAYS), st.integers(1, 31))
def test_the_next_date_is_a_payout_day(after, interval, weekday, day):
    schedule = Schedule(interval, weekly_anchor=weekday, monthly_anchor=day)
    assert is_payout_day(schedule, next_payout_date(schedule, after))


# --- the section ----------------------------------------------------------------------------

pytestmark_db = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def url(c):
    return reverse("accounts:payout_schedule", args=[c.account.public_id])


@pytest.mark.django_db
def test_change_to_weekly_shows_the_next_date(operator_client, admin, custom_account):
    response = operator_client(admin).post(url(custom_account), {"interval": "weekly", "weekly_anchor": "friday",
                                                                  "delay_days": "5"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "Weekly on Friday, 5-day delay" in html and 'data-testid="next-payout"' in html
    custom_account.refresh_from_db()
    assert (custom_account.payout_interval, custom_account.payout_weekly_anchor, custom_account.payout_delay_days) == (
        "weekly", "friday", 5)
    event = AuditEvent.objects.get(action="payout_schedule.updated")
    assert event.before["interval"] == "daily" and event.after["interval"] == "weekly"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"interval": "weekly"}, "weekly_anchor", "day of the week"),
        ({"interval": "monthly"}, "monthly_anchor", "between 1 and 31"),
        ({"interval": "monthly", "monthly_anchor": "32"}, "monthly_anchor", "less than or equal to 31"),
        ({"interval": "monthly", "monthly_anchor": "0"}, "monthly_anchor", "greater than or equal to 1"),
        ({"interval": "daily", "delay_days": "1"}, "delay_days", "cannot be shorter than 2 days"),
        ({"interval": "daily", "delay_days": "-3"}, "delay_days", "greater than or equal to 0"),
        ({"interval": "hourly"}, "interval", "Select a valid choice"),
    ],
)
def test_schedule_validation(operator_client, admin, custom_account, data, field, message):
    response = operator_client(admin).post(url(custom_account), data, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 422 and f'id="id_{field}_error"' in html and message in html
    custom_account.refresh_from_db()
    assert custom_account.payout_interval == "daily"


@pytest.mark.django_db
def test_full_dashboard_accounts_set_their_own_schedule(operator_client, admin, platform):
    standard = ConnectionFactory(platform=platform)
    html = operator_client(admin).get(reverse("accounts:detail", args=[standard.account.public_id])).content.decode()
    assert 'data-testid="edit-payout-schedule"' not in html and "sets its own payout schedule" in html
    assert operator_client(admin).post(url(standard), {"interval": "manual"}).status_code == 403


@pytest.mark.django_db
def test_the_delay_is_editable_only_on_platform_liable_accounts(operator_client, admin, platform):
    liable = ConnectionFactory(platform=platform, express=True)
    response = operator_client(admin).post(url(liable), {"interval": "daily", "delay_days": "7"}, headers=HTMX)
    assert response.status_code == 200
    liable.refresh_from_db()
    assert liable.payout_delay_days == 7


@pytest.mark.django_db
@pytest.mark.parametrize("role,allowed", [("admin", True), ("support_specialist", True), ("analyst", False)])
def test_who_may_edit_the_schedule(operator_client, platform, custom_account, role, allowed):
    client = operator_client(MembershipFactory(platform=platform, roles=[role]))
    response = client.post(url(custom_account), {"interval": "manual"})
    assert (response.status_code == 302) is allowed
    custom_account.refresh_from_db()
    assert (custom_account.payout_interval == "manual") is allowed
