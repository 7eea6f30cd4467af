"""Demo money for a demo platform: a funded balance, a few transfers, payouts and one debit
consent (with a debit), in both modes. Everything goes through the real services, with fixed
idempotency keys, so running it twice changes nothing.

Called by `seed_demo` after the accounts exist: `money.demo.seed(platform, admin_membership)`.
"""

from datetime import timedelta

from django.utils import timezone

from accounts.models import Capability, Connection, ExternalAccount
from platform_console.models import Membership, Platform

from . import magic, rules, services
from .models import Payout

TRANSFER_AMOUNTS = [1_250_00, 480_00, 2_300_00, 75_50]
DEMO_BANK = "000123456789"
DEMO_FAILING_BANK = "000111111116"
DEMO_CARD = "4000056655665556"


def seed(platform: Platform, admin_membership: Membership) -> dict[str, int]:
    """Fund and exercise the demo platform's money in live and test mode; returns counts."""
    counts = {"topups": 0, "transfers": 0, "payouts": 0, "debits": 0}
    for livemode in (True, False):
        _seed_mode(platform, admin_membership, livemode, counts)
    return counts


def _eligible(platform: Platform, livemode: bool, currency: str) -> list[Connection]:
    """Active accounts in the platform's currency whose transfers capability is active."""
    connections = (
        Connection.objects.filter(
            platform=platform,
            livemode=livemode,
            lifecycle_state=Connection.Lifecycle.ACTIVE,
            account__default_currency=currency,
            capabilities__name="transfers",
            capabilities__status=Capability.Status.ACTIVE,
        )
        .select_related("account")
        .prefetch_related("capabilities")
        .order_by("pk")
    )
    return list(connections)


def _key(*parts) -> str:
    return "demo:" + ":".join(str(part) for part in parts)


def _seed_mode(platform: Platform, admin: Membership, livemode: bool, counts: dict) -> None:
    currency = platform.default_currency
    mode = "live" if livemode else "test"
    funding = 250_000_00 if livemode else 100_000_00
    topup = services.add_to_balance(
        actor=admin,
        amount=funding,
        currency=currency,
        livemode=livemode,
        idempotency_key=_key("topup", mode, currency),
        description="Opening balance",
    )
    if topup.status == topup.Status.PENDING:
        services.settle_topup(topup_id=topup.pk)
    counts["topups"] += 1
    if livemode:
        # A second live top-up stays pending, so the pending balance shows.
        services.add_to_balance(
            actor=admin,
            amount=20_000_00,
            currency=currency,
            livemode=True,
            idempotency_key=_key("topup", mode, currency, "incoming"),
            description="Weekly funding",
        )
    else:
        services.add_to_balance(
            actor=admin,
            amount=5_000_00,
            currency=currency,
            livemode=False,
            idempotency_key=_key("topup", mode, currency, "declined"),
            description="Declined by the bank",
            source_token=magic.TOPUP_SUCCESS_TOKEN + "_insufficientFunds",
        )
    counts["topups"] += 1

    connections = _eligible(platform, livemode, currency)
    for index, connection in enumerate(connections[:4]):
        services.create_transfer(
            actor=admin,
            connection=connection,
            amount=TRANSFER_AMOUNTS[index],
            currency=currency,
            idempotency_key=_key("transfer", connection.public_id),
            description=f"Earnings week {40 + index}",
        )
        counts["transfers"] += 1

    liable = [c for c in connections if c.is_platform_liable and c.payouts_enabled and not c.payouts_paused]
    if liable:
        _payouts(liable, admin, currency, counts)
        _debit(liable[0], platform, admin, currency, counts)


def _external(connection: Connection, kind: str, number: str, currency: str, **fields) -> ExternalAccount:
    fingerprint = magic.fingerprint(kind, number)
    destination = ExternalAccount.objects.filter(account=connection.account, fingerprint=fingerprint).first()
    if destination is None:
        has_default = ExternalAccount.objects.filter(
            account=connection.account, currency=currency, default_for_currency=True
        ).exists()
        destination = ExternalAccount.objects.create(
            account=connection.account,
            kind=kind,
            country=connection.account.country,
            currency=currency,
            last4=number[-4:],
            fingerprint=fingerprint,
            default_for_currency=not has_default,
            status=ExternalAccount.Status.VERIFIED,
            account_holder_name=connection.account.display_name,
            **fields,
        )
    return destination


def _bank(connection: Connection, currency: str, number: str = DEMO_BANK) -> ExternalAccount:
    return _external(
        connection,
        ExternalAccount.Kind.BANK_ACCOUNT,
        number,
        currency,
        bank_name="STRIPE TEST BANK",
        routing_number=magic.MAGIC_ROUTING_NUMBER,
    )


def _card(connection: Connection, currency: str) -> ExternalAccount:
    return _external(
        connection,
        ExternalAccount.Kind.CARD,
        DEMO_CARD,
        currency,
        brand="Visa",
        exp_month=12,
        exp_year=timezone.now().year + 3,
        supports_instant=True,
    )


def _payouts(liable: list[Connection], admin: Membership, currency: str, counts: dict) -> None:
    first = liable[0]
    bank, card = _bank(first, currency), _card(first, currency)
    paid = services.create_transfer(
        actor=admin,
        connection=first,
        amount=3_400_00,
        currency=currency,
        send_to=bank,
        idempotency_key=_key("send-to-bank", first.public_id),
        description="Payout advance",
    )
    _pay(paid.payout)
    services.create_transfer(
        actor=admin,
        connection=first,
        amount=215_00,
        currency=currency,
        send_to=card,
        idempotency_key=_key("send-to-card", first.public_id),
        description="Instant bonus",
    )
    # This one stays on its way until the payouts task pays it.
    services.create_transfer(
        actor=admin,
        connection=first,
        amount=1_120_00,
        currency=currency,
        send_to=bank,
        idempotency_key=_key("send-to-bank-2", first.public_id),
        description="Weekly settlement",
    )
    counts["payouts"] += 3
    if len(liable) > 1 and not first.livemode:  # test-mode magic: this bank account number fails
        second = liable[1]
        failing = _bank(second, currency, DEMO_FAILING_BANK)
        if failing.status != ExternalAccount.Status.ERRORED:  # the failure marks it errored: done before
            failed = services.create_transfer(
                actor=admin,
                connection=second,
                amount=890_00,
                currency=currency,
                send_to=failing,
                idempotency_key=_key("send-to-failing-bank", second.public_id),
                description="Refund of fees",
            )
            _pay(failed.payout)
            counts["payouts"] += 1


def _pay(payout: Payout) -> None:
    """Send this payout and let the bank answer now, as the payouts task does on its arrival date."""
    Payout.objects.filter(pk=payout.pk, status=Payout.Status.PENDING).update(
        status=Payout.Status.IN_TRANSIT, arrival_date=timezone.now().date()
    )
    services.settle_payout(payout_id=payout.pk)


def _debit(
    connection: Connection, platform: Platform, admin: Membership, currency: str, counts: dict
) -> None:
    if rules.region_of(platform.country) != rules.region_of(connection.account.country):
        return
    services.create_transfer(
        actor=admin,
        connection=connection,
        amount=600_00,
        currency=currency,
        idempotency_key=_key("debit-funding", connection.public_id),
        description="Sales proceeds",
    )
    if rules.current_consent(connection) is None:
        services.record_debit_consent(
            actor=admin,
            connection=connection,
            granted_by=connection.account.email or connection.account.display_name,
            granted_at=timezone.now() - timedelta(days=30),
            ip="203.0.113.7",
        )
    services.create_account_debit(
        actor=admin,
        connection=connection,
        amount=150_00,
        idempotency_key=_key("debit", connection.public_id),
        description="Chargeback recovery",
    )
    counts["debits"] += 1
