"""Money to or from an account whose verifications are on inactivity hold (issue 14, defect 1): the
hold refuses nothing, and the activity lifts it at once (domain.md §7.4)."""

import pytest
from django.utils import timezone

from accounts.models import Capability, Connection
from money import services
from money.errors import AccountNotEligible
from platform_console.models import AuditEvent

from .factories import BankAccountFactory, balance_of

pytestmark = pytest.mark.django_db


def hold(connection, *, transfers_paused: bool = False) -> Connection:
    Connection.objects.filter(pk=connection.pk).update(verifications_held_at=timezone.now())
    if transfers_paused:
        Capability.objects.filter(connection=connection, name="transfers").update(
            status="inactive", disabled_reason="paused.inactivity"
        )
    return Connection.objects.select_related("account").get(pk=connection.pk)


def resumed(connection) -> bool:
    connection.refresh_from_db()
    events = AuditEvent.objects.filter(action="verifications.resumed", account_public_id=connection.public_id)
    return connection.verifications_held_at is None and events.count() == 1


def test_a_transfer_is_not_refused_because_of_the_hold_and_lifts_it(
    funded, admin, receiver, django_capture_on_commit_callbacks
):
    held = hold(receiver, transfers_paused=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.create_transfer(actor=admin, connection=held, amount=10_00, currency="usd", idempotency_key="k1")
    assert balance_of(receiver) == 10_00 and resumed(receiver)


def test_a_transfers_capability_inactive_for_another_reason_is_still_refused(funded, admin, receiver):
    Capability.objects.filter(connection=receiver, name="transfers").update(
        status="inactive", disabled_reason="requirements.fields_needed"
    )
    held = hold(receiver)
    with pytest.raises(AccountNotEligible, match="Transfers capability is inactive"):
        services.create_transfer(actor=admin, connection=held, amount=10_00, currency="usd", idempotency_key="k1")


def test_a_payout_lifts_the_hold(funded, admin, liable, django_capture_on_commit_callbacks):
    services.create_transfer(actor=admin, connection=liable, amount=50_00, currency="usd", idempotency_key="t")
    held = hold(liable)
    with django_capture_on_commit_callbacks(execute=True):
        services.create_payout(
            actor=admin, connection=held, amount=20_00, currency="usd",
            destination=BankAccountFactory(account=liable.account), idempotency_key="p",
        )
    assert resumed(liable)


def test_money_for_an_account_not_on_hold_leaves_the_hold_alone(
    funded, admin, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.create_transfer(actor=admin, connection=receiver, amount=10_00, currency="usd", idempotency_key="k1")
    assert callbacks == [] and not AuditEvent.objects.filter(action="verifications.resumed").exists()
