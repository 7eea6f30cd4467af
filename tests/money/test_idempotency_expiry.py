"""Idempotency keys last a day (Stripe's rule): within it a repeat returns the first result and
other parameters are refused; after it the key may be used again; a beat task prunes old keys."""

from datetime import timedelta

import pytest
from django.utils import timezone

from money import idempotency, services, tasks
from money.errors import IdempotencyConflict
from money.models import IdempotencyKey, Transfer

pytestmark = pytest.mark.django_db


def send(admin, connection, amount, at, key="same-key"):
    return services.create_transfer(actor=admin, connection=connection, amount=amount, currency="usd",
                                    idempotency_key=key, now=at)


def test_within_a_day_the_key_returns_the_first_transfer_and_refuses_other_parameters(funded, admin, receiver):
    start = timezone.now()
    first = send(admin, receiver, 10_00, start)
    assert send(admin, receiver, 10_00, start + timedelta(hours=23, minutes=59)).pk == first.pk
    with pytest.raises(IdempotencyConflict, match="different operation"):
        send(admin, receiver, 11_00, start + timedelta(hours=23))
    assert Transfer.objects.count() == 1


def test_after_a_day_the_key_can_be_used_again(funded, admin, receiver):
    start = timezone.now() - timedelta(hours=25)
    first = send(admin, receiver, 10_00, start)
    second = send(admin, receiver, 12_00, timezone.now())  # other parameters: a new request now
    assert second.pk != first.pk and second.amount == 12_00
    row = IdempotencyKey.objects.get(key="same-key")
    assert row.result_id == second.public_id and row.created_at > start + timedelta(hours=24)


def test_the_beat_task_prunes_keys_older_than_a_day(funded, admin, receiver):
    now = timezone.now()
    send(admin, receiver, 10_00, now - timedelta(hours=30), key="old")
    send(admin, receiver, 10_00, now - timedelta(hours=2), key="young")
    assert tasks.prune_idempotency_keys.apply().get(timeout=10) == 1
    assert set(IdempotencyKey.objects.filter(key__in=["old", "young"]).values_list("key", flat=True)) == {"young"}
    assert idempotency.prune(now=now + timedelta(hours=23)) == 1  # the young one's day is over then
