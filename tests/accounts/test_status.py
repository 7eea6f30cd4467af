from datetime import UTC, datetime, timedelta

import pytest

from accounts.models import Connection
from accounts.services import refresh_status
from accounts.status import StatusFacts, derive_status
from tests.factories import CapabilityFactory, ConnectionFactory

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
ACTIVE_CAPS = (("card_payments", True, "active"), ("transfers", True, "active"))


def facts(**changes) -> StatusFacts:
    base = {"lifecycle_state": "active", "capabilities": ACTIVE_CAPS}
    return StatusFacts(**{**base, **changes})


def test_an_invited_account_is_invited():
    assert derive_status(facts(lifecycle_state="invited", disabled_reason="rejected.other"), now=NOW) == "invited"


@pytest.mark.parametrize("reason", ["rejected.fraud", "rejected.platform_other", "listed"])
def test_a_rejection_reason_makes_it_rejected(reason):
    assert derive_status(facts(disabled_reason=reason, pending_verification_count=2), now=NOW) == "rejected"


def test_the_rejected_lifecycle_state_makes_it_rejected():
    assert derive_status(facts(lifecycle_state="rejected"), now=NOW) == "rejected"


@pytest.mark.parametrize(
    "changes",
    [
        {"under_review": True},
        {"pending_verification_count": 1},
        {"disabled_reason": "under_review"},
        {"disabled_reason": "requirements.pending_verification"},
    ],
)
def test_a_running_review_makes_it_in_review(changes):
    restricted_caps = (("card_payments", True, "inactive"),)
    assert derive_status(facts(capabilities=restricted_caps, **changes), now=NOW) == "in_review"


def test_an_inactive_primary_capability_makes_it_restricted():
    caps = (("card_payments", True, "active"), ("transfers", True, "inactive"))
    assert derive_status(facts(capabilities=caps), now=NOW) == "restricted"


def test_a_disabled_primary_capability_makes_it_restricted():
    assert derive_status(facts(capabilities=(("transfers", True, "disabled"),)), now=NOW) == "restricted"


def test_a_pending_capability_does_not_restrict():
    assert derive_status(facts(capabilities=(("transfers", True, "pending"),)), now=NOW) == "enabled"


def test_an_inactive_payment_method_does_not_restrict():
    caps = (*ACTIVE_CAPS, ("klarna_payments", True, "inactive"))
    assert derive_status(facts(capabilities=caps), now=NOW) == "enabled"


def test_an_unrequested_capability_does_not_restrict():
    caps = (*ACTIVE_CAPS, ("card_issuing", False, "unrequested"))
    assert derive_status(facts(capabilities=caps), now=NOW) == "enabled"


def test_items_due_before_a_future_deadline_make_it_restricted_soon():
    status = derive_status(facts(currently_due_count=2, current_deadline=NOW + timedelta(days=3)), now=NOW)
    assert status == "restricted_soon"


def test_future_requirements_due_make_it_restricted_soon():
    status = derive_status(facts(future_due_count=1, current_deadline=NOW + timedelta(days=30)), now=NOW)
    assert status == "restricted_soon"


def test_items_due_with_a_deadline_already_passed_are_not_restricted_soon():
    status = derive_status(facts(currently_due_count=2, current_deadline=NOW - timedelta(seconds=1)), now=NOW)
    assert status == "enabled"


def test_nothing_outstanding_is_enabled():
    assert derive_status(facts(), now=NOW) == "enabled"


def test_restricted_wins_over_restricted_soon():
    caps = (("transfers", True, "inactive"),)
    status = derive_status(
        facts(capabilities=caps, currently_due_count=1, current_deadline=NOW + timedelta(days=1)), now=NOW
    )
    assert status == "restricted"


@pytest.mark.django_db
def test_refresh_status_stores_the_derived_badge():
    connection = ConnectionFactory(status=Connection.Status.ENABLED)
    CapabilityFactory(connection=connection, name="transfers", status="inactive")
    assert refresh_status(connection) == "restricted"
    connection.refresh_from_db()
    assert connection.status == "restricted"
