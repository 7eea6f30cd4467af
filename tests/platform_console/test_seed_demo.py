import pytest
from django.core.management import CommandError, call_command

from accounts.models import Connection
from platform_console.models import Membership, Platform, User

pytestmark = pytest.mark.django_db


def test_it_is_refused_when_debug_is_off(settings):
    settings.CONSOLE_ALLOW_DEMO_SEED = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_it_seeds_every_status_access_type_and_mode_and_is_idempotent(settings):
    settings.CONSOLE_ALLOW_DEMO_SEED = True
    call_command("seed_demo")
    counts = (Platform.objects.count(), User.objects.count(), Membership.objects.count(), Connection.objects.count())
    call_command("seed_demo")
    assert (Platform.objects.count(), User.objects.count(), Membership.objects.count(), Connection.objects.count()) == counts

    demo = Platform.objects.get(name="Rocket Rides")
    assert demo.platform_profile_completed and demo.country == "US"
    assert Platform.objects.filter(country="FR").exists()
    connections = Connection.objects.filter(platform=demo)
    assert 55 <= connections.count() <= 70
    assert set(connections.values_list("status", flat=True)) == set(Connection.Status.values)
    assert set(connections.values_list("dashboard_type", flat=True)) == {"full", "express", "none"}
    assert set(connections.values_list("livemode", flat=True)) == {True, False}
    assert connections.values("account__country").distinct().count() >= 5
    for email in ["admin@demo.test", "developer@demo.test", "analyst@demo.test", "support@demo.test", "viewer@demo.test"]:
        assert User.objects.get(email=email).check_password("demo")
