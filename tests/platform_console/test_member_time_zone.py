"""Each member picks the time zone the console shows their times in (issue 20), audited."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from platform_console.models import AuditEvent
from tests.factories import AccountFactory, ConnectionFactory

pytestmark = pytest.mark.django_db
URL = reverse("security_settings")


def test_a_member_picks_a_time_zone_and_the_lists_times_follow(operator_client, admin, platform):
    ConnectionFactory(platform=platform, account=AccountFactory(name="Tokyo Ramen Ya"),
                      created_at=datetime(2026, 3, 4, 15, 30, tzinfo=UTC))
    client = operator_client(admin)
    assert 'title="Mar 4, 2026, 15:30 UTC"' in client.get(reverse("accounts:list")).content.decode()
    response = client.post(URL, {"action": "time_zone", "time_zone": "Asia/Tokyo"})
    assert response.status_code == 302
    admin.user.refresh_from_db()
    assert admin.user.time_zone == "Asia/Tokyo"
    html = client.get(reverse("accounts:list")).content.decode()
    assert 'title="Mar 5, 2026, 00:30 JST">Mar 5, 2026</time>' in html  # the day moves too
    event = AuditEvent.objects.get(action="member.time_zone_changed")
    assert event.before == {"time_zone": ""} and event.after["time_zone"] == "Asia/Tokyo" and event.actor == admin
    page = client.get(URL).content.decode()
    assert '<option value="Asia/Tokyo" selected>Asia/Tokyo</option>' in page


def test_another_members_times_stay_in_their_own_zone(operator_client, admin, viewer, platform):
    ConnectionFactory(platform=platform, created_at=datetime(2026, 3, 4, 15, 30, tzinfo=UTC))
    operator_client(admin).post(URL, {"action": "time_zone", "time_zone": "America/New_York"})
    assert "15:30 UTC" in operator_client(viewer).get(reverse("accounts:list")).content.decode()


def test_an_unknown_zone_is_refused_next_to_the_field(operator_client, admin):
    response = operator_client(admin).post(URL, {"action": "time_zone", "time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 422 and "Choose a time zone from the list." in response.content.decode()
    admin.user.refresh_from_db()
    assert admin.user.time_zone == "" and not AuditEvent.objects.filter(action="member.time_zone_changed").exists()
