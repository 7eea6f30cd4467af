"""Random sequences of top-ups, transfers, payouts, debits and transfer reversals, with the
ledger's invariants checked after every step: balances equal their entries, postings sum to zero,
nothing is overdrawn, no transfer is reversed past its amount, and every balance equals what a
simple model of the same operations predicts."""

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from money import ledger, services
from money.errors import InsufficientFunds, InvalidAmount, MoneyError
from money.models import LedgerAccount, Payout, Posting, Transfer, TransferReversal
from tests.factories import MembershipFactory, PlatformFactory

from .factories import (
    BankAccountFactory,
    CardFactory,
    balance_of,
    platform_balance,
    receiving_connection,
    system_balance,
)

pytestmark = pytest.mark.django_db

amounts = st.integers(min_value=1, max_value=50_000)
reasons = st.sampled_from(TransferReversal.Reason.values)


@dataclass
class SentTransfer:
    """A transfer the machine made, as the model sees it."""

    pk: int
    index: int  # which account received it
    amount: int
    reversed: int  # the model's sum of its reversals
    copy: Transfer  # the object create_transfer returned: a caller's copy, stale once reversed elsewhere


class LedgerMachine(RuleBasedStateMachine):
    """Each run gets its own platform, so runs sharing the test's database don't see each other."""

    @initialize()
    def set_up(self):
        self.platform = PlatformFactory()
        self.admin = MembershipFactory(platform=self.platform, roles=["admin"])
        self.accounts = [receiving_connection(self.platform, express=True, livemode=False) for _ in range(2)]
        for connection in self.accounts:
            BankAccountFactory(account=connection.account)
            services.record_debit_consent(
                actor=self.admin,
                connection=connection,
                granted_by="holder",
                granted_at=timezone.now(),
                ip=None,
            )
        self.card = CardFactory(account=self.accounts[0].account)
        # The model: what each balance must be.
        self.platform_available = 0
        self.held = [0, 0]
        self.in_transit = 0
        self.keys: list[tuple[str, int, int]] = []
        self.transfers: list[SentTransfer] = []
        # Reversals made: (key, transfer, amount, reason, pk).
        self.reversals: list[tuple[str, SentTransfer, int, str, int]] = []

    def key(self) -> str:
        return uuid.uuid4().hex

    @rule(amount=amounts)
    def top_up(self, amount):
        services.add_to_balance(
            actor=self.admin, amount=amount, currency="usd", livemode=False, idempotency_key=self.key()
        )
        self.platform_available += amount

    @rule(amount=amounts, index=st.integers(0, 1))
    def transfer(self, amount, index):
        key = self.key()
        try:
            transfer = services.create_transfer(
                actor=self.admin,
                connection=self.accounts[index],
                amount=amount,
                currency="usd",
                idempotency_key=key,
            )
        except MoneyError:
            assert amount > self.platform_available
            return
        self.platform_available -= amount
        self.held[index] += amount
        self.keys.append((key, index, amount))
        self.transfers.append(SentTransfer(transfer.pk, index, amount, 0, transfer))

    @precondition(lambda self: self.keys)
    @rule(data=st.data())
    def replay_a_transfer(self, data):
        key, index, amount = data.draw(st.sampled_from(self.keys))
        services.create_transfer(
            actor=self.admin,
            connection=self.accounts[index],
            amount=amount,
            currency="usd",
            idempotency_key=key,
        )  # nothing moves

    @rule(amount=amounts, to_card=st.booleans())
    def send_to_external(self, amount, to_card):
        destination = (
            self.card if to_card else self.accounts[0].account.external_accounts.get(kind="bank_account")
        )
        try:
            transfer = services.create_transfer(
                actor=self.admin,
                connection=self.accounts[0],
                amount=amount,
                currency="usd",
                idempotency_key=self.key(),
                send_to=destination,
            )
        except MoneyError:
            assert amount > self.platform_available
            return
        self.platform_available -= amount
        if not to_card:
            self.in_transit += amount
        # Paid out at once, but reversible: a reversal takes it from what the account holds now.
        self.transfers.append(SentTransfer(transfer.pk, 0, amount, 0, transfer))

    @rule()
    def pay_out_in_transit(self):
        later = timezone.now() + timedelta(days=5)
        services.process_payouts(now=later)
        services.process_payouts(now=later)
        self.in_transit = 0

    @rule(amount=amounts, index=st.integers(0, 1))
    def pull_funds(self, amount, index):
        try:
            services.create_account_debit(
                actor=self.admin, connection=self.accounts[index], amount=amount, idempotency_key=self.key()
            )
        except MoneyError:
            assert amount > self.held[index]
            return
        self.held[index] -= amount
        self.platform_available += amount

    def footprint(self, sent: SentTransfer) -> tuple:
        """What a refused reversal must leave as it was (the balances are the invariants')."""
        return (
            Posting.objects.filter(platform=self.platform).count(),
            TransferReversal.objects.filter(platform=self.platform).count(),
            Transfer.objects.get(pk=sent.pk).amount_reversed,
        )

    @precondition(lambda self: self.transfers)
    @rule(data=st.data(), how=st.sampled_from(["all", "part", "more than is left"]), reason=reasons)
    def reverse_a_transfer(self, data, how, reason):
        """Full, partial or too large; through a fresh copy of the transfer or the caller's old one
        (which may think more is left than is: the sum is checked on the locked row)."""
        sent = data.draw(st.sampled_from(self.transfers))
        transfer = data.draw(st.sampled_from([sent.copy, Transfer.objects.get(pk=sent.pk)]))
        left = sent.amount - sent.reversed
        shown = transfer.amount - transfer.amount_reversed  # what the copy thinks is left
        assert shown >= left
        if how == "all":
            amount, asked = None, shown
        elif how == "part":  # often within what the account holds, to see some through
            covered = max(min(left, self.held[sent.index]), 1)
            amount = asked = data.draw(st.integers(1, covered) | st.integers(1, max(left, 1)))
        else:
            amount = asked = left + data.draw(st.integers(1, 50_000))
        if asked <= 0 or asked > left:
            expected = InvalidAmount
        elif asked > self.held[sent.index]:
            expected = InsufficientFunds
        else:
            expected = TransferReversal
        event(f"reversal of {how}: {expected.__name__}{' (stale copy)' if shown > left else ''}")

        before, copy_before = self.footprint(sent), transfer.amount_reversed
        key = self.key()
        try:
            reversal = services.reverse_transfer(
                actor=self.admin, transfer=transfer, amount=amount, reason=reason, idempotency_key=key
            )
        except MoneyError as error:
            assert type(error) is expected, (error, how, asked, left, self.held[sent.index])
            assert self.footprint(sent) == before  # nothing of it stays
            assert transfer.amount_reversed == copy_before
            return
        assert expected is TransferReversal, (how, asked, left, self.held[sent.index])
        assert (reversal.amount, reversal.transfer_id, reversal.reason) == (asked, sent.pk, reason)
        sent.reversed += asked
        self.held[sent.index] -= asked
        self.platform_available += asked
        self.reversals.append((key, sent, asked, reason, reversal.pk))

    @precondition(lambda self: self.reversals)
    @rule(data=st.data())
    def replay_a_reversal(self, data):
        """The same request again moves nothing and answers with the first reversal, even once less
        than its amount is left to reverse."""
        key, sent, amount, reason, pk = data.draw(st.sampled_from(self.reversals))
        before = self.footprint(sent)
        over = amount > sent.amount - sent.reversed
        event(f"replayed reversal: {'more' if over else 'no more'} than is left")
        again = services.reverse_transfer(
            actor=self.admin,
            transfer=Transfer.objects.get(pk=sent.pk),
            amount=amount,
            reason=reason,
            idempotency_key=key,
        )
        assert again.pk == pk
        assert self.footprint(sent) == before

    @invariant()
    def reversals_stay_within_their_transfers(self):
        if not hasattr(self, "platform"):
            return
        stored = dict(Transfer.objects.filter(platform=self.platform).values_list("pk", "amount_reversed"))
        for sent in self.transfers:
            assert stored[sent.pk] == sent.reversed <= sent.amount
            total = sum(TransferReversal.objects.filter(transfer_id=sent.pk).values_list("amount", flat=True))
            assert total == sent.reversed

    @invariant()
    def the_books_balance(self):
        if not hasattr(self, "platform"):
            return
        assert ledger.check_ledger(platform=self.platform) == []

    @invariant()
    def balances_match_the_model(self):
        if not hasattr(self, "platform"):
            return
        assert platform_balance(self.platform, livemode=False) == self.platform_available
        assert [balance_of(c) for c in self.accounts] == self.held
        assert (
            system_balance(self.platform, LedgerAccount.Kind.PAYOUTS_IN_TRANSIT, livemode=False)
            == self.in_transit
        )
        assert self.platform_available >= 0 and min(self.held) >= 0

    @invariant()
    def paid_payouts_left_transit(self):
        if not hasattr(self, "platform"):
            return
        open_total = sum(
            Payout.objects.filter(platform=self.platform, status__in=["pending", "in_transit"]).values_list(
                "amount", flat=True
            )
        )
        assert open_total == self.in_transit


def test_the_ledger_holds_its_invariants_under_random_operations():
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=30,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
