import pytest
from django.core.management import call_command

from money import demo
from money.ledger import check_ledger
from money.models import AccountDebitConsent, Entry, Payout, TopUp, Transfer
from platform_console.models import Membership, Platform

pytestmark = pytest.mark.django_db


def counts():
    return tuple(model.objects.count() for model in (TopUp, Transfer, Payout, AccountDebitConsent, Entry))


def test_the_demo_seed_funds_the_platform_and_is_idempotent(settings):
    settings.CONSOLE_ALLOW_DEMO_SEED = True
    call_command("seed_demo")
    platform = Platform.objects.get(name="Rocket Rides")
    admin = Membership.objects.get(platform=platform, user__email="admin@demo.test")
    demo.seed(platform, admin)
    first = counts()
    demo.seed(platform, admin)
    assert counts() == first
    assert Transfer.objects.filter(platform=platform, livemode=True).count() >= 3
    assert Payout.objects.filter(platform=platform, status="paid").exists()
    assert AccountDebitConsent.objects.filter(platform=platform).exists()
    assert check_ledger() == []
