import pytest
from django.urls import reverse

from tests.factories import ConnectionFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_the_switcher_lists_only_the_operators_own_platforms(operator_client, admin, other_platform):
    stranger_platform = MembershipFactory(roles=["admin"]).platform
    MembershipFactory(user=admin.user, platform=other_platform, roles=["view_only"])
    html = operator_client(admin).get(reverse("home")).content.decode()
    assert 'data-testid="platform-switcher"' in html
    assert other_platform.name in html and stranger_platform.name not in html


def test_no_switcher_with_a_single_platform(operator_client, admin):
    assert 'data-testid="platform-switcher"' not in operator_client(admin).get(reverse("home")).content.decode()


def test_switching_platform_scopes_every_page(operator_client, admin, other_platform):
    MembershipFactory(user=admin.user, platform=other_platform, roles=["view_only"])
    mine = ConnectionFactory(platform=admin.platform)
    theirs = ConnectionFactory(platform=other_platform)
    client = operator_client(admin)
    assert mine.account.public_id in client.get(reverse("accounts:list")).content.decode()
    client.post(reverse("switch_platform"), {"platform": other_platform.public_id})
    html = client.get(reverse("accounts:list")).content.decode()
    assert theirs.account.public_id in html and mine.account.public_id not in html
    assert client.get(reverse("accounts:detail", args=[mine.account.public_id])).status_code == 404


def test_cannot_switch_to_a_platform_one_is_not_on(operator_client, admin, other_platform):
    theirs = ConnectionFactory(platform=other_platform)
    client = operator_client(admin)
    client.post(reverse("switch_platform"), {"platform": other_platform.public_id})
    assert theirs.account.public_id not in client.get(reverse("accounts:list")).content.decode()
    assert client.get(reverse("accounts:detail", args=[theirs.account.public_id])).status_code == 404


def test_test_mode_shows_the_band_and_live_mode_does_not(operator_client, admin):
    client = operator_client(admin)
    assert "Test mode —" not in client.get(reverse("home")).content.decode()
    client.post(reverse("set_mode"), {"mode": "test"})
    assert "Test mode —" in client.get(reverse("home")).content.decode()
    client.post(reverse("set_mode"), {"mode": "live"})
    assert "Test mode —" not in client.get(reverse("home")).content.decode()


def test_mode_switch_returns_to_the_page_but_never_offsite(operator_client, admin):
    client = operator_client(admin)
    assert client.post(reverse("set_mode"), {"mode": "test", "next": "/accounts/?q=a"})["Location"] == "/accounts/?q=a"
    assert client.post(reverse("set_mode"), {"mode": "test", "next": "https://evil.example/"})["Location"] == "/"


def test_get_cannot_switch_modes(operator_client, admin):
    assert operator_client(admin).get(reverse("set_mode")).status_code == 405
