"""Pull funds (account debits), domain.md §7.11: platform-liable accounts only, with recorded
consent, within one region, in the account's default currency, never more than its available
balance, with the fee paid by the platform and booked to fee revenue."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Account, Connection
from money import rules, services
from money.errors import (
    AccountNotEligible,
    ConsentMissing,
    FeatureDisabled,
    IdempotencyConflict,
    InsufficientFunds,
    OperationNotPermitted,
)
from money.ledger import check_ledger
from money.models import AccountDebit, AccountDebitConsent, LedgerAccount
from platform_console.models import AuditEvent
from tests.factories import MembershipFactory

from .factories import balance_of, fund_platform, platform_balance, receiving_connection, system_balance

pytestmark = pytest.mark.django_db


def pull(actor, connection, amount=100_00, key="d1", **kwargs):
    return services.create_account_debit(
        actor=actor, connection=connection, amount=amount, idempotency_key=key, **kwargs
    )


@pytest.fixture
def stocked(funded, admin, liable, consent):
    """Bright Express holds $500.00 and has consented to debits."""
    services.create_transfer(
        actor=admin, connection=liable, amount=500_00, currency="usd", idempotency_key="fill"
    )
    return liable


def test_it_moves_funds_from_the_account_to_the_platform(funded, admin, stocked):
    debit = pull(admin, stocked, description="Chargeback")
    assert debit.public_id.startswith("py_") and debit.currency == "usd" and debit.fee == 0
    assert balance_of(stocked) == 400_00
    assert platform_balance(funded) == 10_000_00 - 500_00 + 100_00
    assert check_ledger() == []


def test_the_fee_is_paid_by_the_platform_and_booked_to_fee_revenue(settings, funded, admin, stocked):
    settings.ACCOUNT_DEBIT_FEE_BPS = 150
    settings.ACCOUNT_DEBIT_FEE_FIXED = {"usd": 30}
    debit = pull(admin, stocked, amount=120_50)
    assert debit.fee == 211  # 1.5 % of $120.50 = $1.8075 -> $1.81, plus $0.30
    assert balance_of(stocked) == 500_00 - 120_50
    assert platform_balance(funded) == 10_000_00 - 500_00 + 120_50 - 211
    assert system_balance(funded, LedgerAccount.Kind.FEE_REVENUE) == 211
    assert set(debit.posting.entries.values_list("kind", flat=True)) == {"account_debit", "stripe_fee"}
    assert check_ledger() == []


@pytest.mark.parametrize(
    "amount,bps,fixed,fee",
    [(10_000, 0, 0, 0), (10_000, 100, 0, 100), (333, 150, 0, 5), (1, 150, 25, 25), (10_000, 0, 30, 30)],
)
def test_the_fee_is_basis_points_rounded_half_up_plus_a_fixed_amount(settings, amount, bps, fixed, fee):
    settings.ACCOUNT_DEBIT_FEE_BPS = bps
    settings.ACCOUNT_DEBIT_FEE_FIXED = {"usd": fixed}
    assert rules.debit_fee(amount, "usd") == fee


def test_it_never_takes_more_than_the_available_balance(funded, admin, stocked):
    with pytest.raises(InsufficientFunds, match=r"at most"):
        pull(admin, stocked, amount=500_01)
    assert balance_of(stocked) == 500_00 and not AccountDebit.objects.exists()


def test_the_whole_available_balance_can_be_pulled(funded, admin, stocked):
    pull(admin, stocked, amount=500_00)
    assert balance_of(stocked) == 0


def test_it_refuses_accounts_where_the_provider_is_liable(funded, admin, receiver):
    with pytest.raises(AccountNotEligible, match="platform is liable"):
        pull(admin, receiver)


def test_it_needs_recorded_consent(funded, admin, liable):
    with pytest.raises(ConsentMissing, match="consent"):
        pull(admin, liable)


def test_a_revoked_consent_does_not_count(funded, admin, stocked):
    services.revoke_debit_consent(actor=admin, connection=stocked)
    with pytest.raises(ConsentMissing):
        pull(admin, stocked)


def test_recording_consent_replaces_the_earlier_one(admin, liable, consent):
    newer = services.record_debit_consent(
        actor=admin, connection=liable, granted_by="cfo@bright.example", granted_at=timezone.now(), ip=None
    )
    consent.refresh_from_db()
    assert consent.revoked_at is not None and rules.current_consent(liable) == newer
    assert newer.public_id.startswith("adcons_") and newer.consent_text_version == "2026-01"
    assert AuditEvent.objects.filter(action="debit_consent.recorded").count() == 2


def test_recording_consent_needs_the_pull_funds_permission(liable, analyst):
    with pytest.raises(OperationNotPermitted):
        services.record_debit_consent(
            actor=analyst, connection=liable, granted_by="x", granted_at=timezone.now(), ip=None
        )
    assert not AccountDebitConsent.objects.exists()


def test_the_debit_names_its_consent(funded, admin, stocked, consent):
    assert pull(admin, stocked).consent == consent


def test_platform_and_account_must_be_in_the_same_region(funded, admin, platform):
    british = receiving_connection(
        platform, express=True, account__country="GB", account__default_currency="gbp"
    )
    services.record_debit_consent(
        actor=admin, connection=british, granted_by="x", granted_at=timezone.now(), ip=None
    )
    with pytest.raises(AccountNotEligible, match="outside the United States"):
        pull(admin, british)


def test_europe_is_one_region(eu_platform):
    admin = MembershipFactory(platform=eu_platform, roles=["admin"])
    fund_platform(admin, 100_00, "eur")
    german = receiving_connection(
        eu_platform, express=True, account__country="DE", account__default_currency="eur"
    )
    services.create_transfer(
        actor=admin, connection=german, amount=50_00, currency="eur", idempotency_key="t"
    )
    services.record_debit_consent(
        actor=admin, connection=german, granted_by="x", granted_at=timezone.now(), ip=None
    )
    assert pull(admin, german, amount=20_00).currency == "eur"
    assert balance_of(german, "eur") == 30_00


@pytest.mark.parametrize(
    "country,region",
    [
        ("US", "US"),
        ("CA", "CA"),
        ("GB", "EU"),
        ("CH", "EU"),
        ("NO", "EU"),
        ("FR", "EU"),
        ("HK", "HK"),
        ("JP", "JP"),
        ("NZ", "NZ"),
        ("AU", "AU"),
        ("SG", None),
        ("BR", None),
    ],
)
def test_regions(country, region):
    assert rules.region_of(country) == region


def test_a_platform_outside_the_regions_cannot_pull(admin, liable, consent):
    admin.platform.country = "SG"
    admin.platform.save()
    with pytest.raises(AccountNotEligible, match="not available for platforms"):
        pull(admin, liable)


def test_it_pulls_in_the_accounts_default_currency(funded, admin, stocked):
    # A balance in another currency is not pulled: the debit is always in the default currency.
    Account.objects.filter(pk=stocked.account_id).update(default_currency="cad")
    stocked.account.refresh_from_db()
    with pytest.raises(InsufficientFunds):
        pull(admin, stocked)


def test_the_feature_flag_turns_it_off(settings, funded, admin, stocked):
    settings.MONEY_ACCOUNT_DEBITS_ENABLED = False
    with pytest.raises(FeatureDisabled):
        pull(admin, stocked)


@pytest.mark.parametrize("role", ["developer", "analyst", "support_specialist", "view_only"])
def test_only_administrators_can_pull_funds(funded, stocked, role):
    with pytest.raises(OperationNotPermitted):
        pull(MembershipFactory(platform=funded, roles=[role]), stocked)
    assert balance_of(stocked) == 500_00


def test_the_same_key_twice_pulls_once(funded, admin, stocked):
    first = pull(admin, stocked)
    assert pull(admin, stocked) == first and balance_of(stocked) == 400_00


def test_the_same_key_with_another_amount_is_refused(funded, admin, stocked):
    pull(admin, stocked)
    with pytest.raises(IdempotencyConflict):
        pull(admin, stocked, amount=50_00)


def test_it_records_activity_and_an_audit_event(funded, admin, stocked):
    # Funding the account was activity too; activity is kept to the minute.
    Connection.objects.filter(pk=stocked.pk).update(last_activity_at=timezone.now() - timedelta(days=2))
    debit = pull(admin, stocked)
    stocked.refresh_from_db()
    assert stocked.last_activity_at == debit.created_at
    event = AuditEvent.objects.get(action="account_debit.created")
    assert (
        event.account_public_id == stocked.account.public_id
        and event.after["consent"] == debit.consent.public_id
    )
