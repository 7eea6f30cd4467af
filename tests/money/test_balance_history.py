"""The platform's balance day by day on Home (issue 20): each day's closing balance, in the
operator's days, past days read once; drawn as server-rendered SVG with a table beside it."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from money import history, services

from .factories import new_key

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


@pytest.fixture
def moves(platform, admin, receiver):
    """$500 settled 10 days ago, $120 sent 4 days ago, $30 sent today."""
    now = timezone.now()
    topup = services.add_to_balance(actor=admin, amount=500_00, currency="usd", livemode=True,
                                    idempotency_key=new_key(), now=now - timedelta(days=10))
    services.settle_topup(topup_id=topup.pk, now=now - timedelta(days=10))
    for days, amount in ((4, 120_00), (0, 30_00)):
        services.create_transfer(actor=admin, connection=receiver, amount=amount, currency="usd",
                                 idempotency_key=new_key(), now=now - timedelta(days=days))


def test_each_day_closes_with_what_was_posted_by_its_end(platform, moves):
    points = history.balance_history(platform=platform, livemode=True, currency="usd", days=12)
    today = timezone.localdate()
    assert [p.day for p in points] == [today - timedelta(days=n) for n in range(11, -1, -1)]
    by_day = {(today - p.day).days: p.balance for p in points}
    assert by_day[11] == 0 and by_day[10] == 500_00 and by_day[5] == 500_00
    assert by_day[4] == 380_00 and by_day[1] == 380_00 and by_day[0] == 350_00


def test_past_days_are_read_once(platform, moves):
    history.balance_history(platform=platform, livemode=True, currency="usd", days=30)
    with CaptureQueriesContext(db_connection) as again:
        points = history.balance_history(platform=platform, livemode=True, currency="usd", days=30)
    sums = [q["sql"] for q in again.captured_queries if "SUM(" in q["sql"].upper()]
    assert len(sums) == 1 and points[-1].balance == 350_00  # today's entries only: the past came from the cache


def test_home_draws_the_chart_with_a_table_and_a_period_switch(operator_client, admin, support, platform, moves):
    html = operator_client(admin).get(reverse("home"), {"days": "90"}).content.decode()
    assert 'data-testid="balance-chart"' in html and "last 90 days" in html
    assert '<polyline class="chart-line" points="' in html and "style=" not in html.split('data-testid="balance-chart"')[1].split("</section>")[0]
    assert "$350.00" in html and "Show as a table" in html and html.count("<tr><td>") >= 90
    # A role that sees no balances sees no balance chart.
    assert 'data-testid="balance-chart"' not in operator_client(support).get(reverse("home")).content.decode()


def test_a_platform_without_a_balance_gets_the_way_to_add_one(operator_client, admin):
    html = operator_client(admin).get(reverse("home")).content.decode()
    assert "No USD balance yet" in html and reverse("money:add_to_balance") in html
