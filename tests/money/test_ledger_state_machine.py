"""Random sequences of top-ups, transfers, payouts and debits, with the ledger's invariants
checked after every step: balances equal their entries, postings sum to zero, nothing is
overdrawn, and every balance equals what a simple model of the same operations predicts."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, settings
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
from money.errors import MoneyError
from money.models import LedgerAccount, Payout
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
            services.create_transfer(
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
            services.create_transfer(
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
            max_examples=15,
            stateful_step_count=12,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
