from datetime import timedelta

import pytest
from django.utils import timezone

from money import services
from tests.factories import MembershipFactory, PlatformFactory

from .factories import fund_platform, receiving_connection


@pytest.fixture
def receiver(platform):
    """Acme Bakery: a Standard (provider-liable) account that can receive transfers."""
    return receiving_connection(platform, account__name="Acme Bakery")


@pytest.fixture
def liable(platform):
    """Bright Express: an Express (platform-liable) US account that can receive transfers."""
    return receiving_connection(platform, express=True, account__name="Bright Express")


@pytest.fixture
def funded(platform, admin):
    """The platform with $10,000.00 available in live mode."""
    fund_platform(admin, 10_000_00)
    return platform


@pytest.fixture
def consent(liable, admin):
    """Bright Express's consent to account debits, recorded through the service."""
    return services.record_debit_consent(
        actor=admin,
        connection=liable,
        granted_by="owner@bright.example",
        granted_at=timezone.now() - timedelta(days=3),
        ip="203.0.113.7",
    )


@pytest.fixture
def other_admin(other_platform):
    return MembershipFactory(platform=other_platform, roles=["admin"], user__email="admin@other.test")


@pytest.fixture
def eu_platform(db):
    return PlatformFactory(name="Le Petit Marché", country="FR", default_currency="eur")


@pytest.fixture
def log_in(page, live_server, client):
    """Sign the browser in as a member: a force_login session cookie copied into the context."""

    def do(membership):
        client.force_login(membership.user)
        cookie = client.cookies["sessionid"]
        page.context.add_cookies(
            [{"name": "sessionid", "value": cookie.value, "url": live_server.url, "httpOnly": True}]
        )
        return page

    return do
