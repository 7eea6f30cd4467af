"""Money test helpers. No factory creates ledger state: every balance in a test comes from the
real services (a top-up, a transfer), as style.md §10 asks."""

from contextlib import contextmanager

import factory
from django.db import connection, transaction
from factory.django import DjangoModelFactory

from accounts.models import ExternalAccount
from money import magic, services
from money.idempotency import new_key
from money.ledger import Bucket, Kind
from money.models import LedgerAccount
from tests.factories import CapabilityFactory, ConnectionFactory


def fund_platform(admin, amount: int, currency: str = "usd", *, livemode: bool = True):
    """Top the platform up through the real service; live top-ups are settled at once."""
    topup = services.add_to_balance(
        actor=admin, amount=amount, currency=currency, livemode=livemode, idempotency_key=new_key()
    )
    if topup.status == topup.Status.PENDING:
        services.settle_topup(topup_id=topup.pk)
    return topup


def balance(*, kind: str, currency: str = "usd", bucket: str = Bucket.AVAILABLE, **owner) -> int:
    row = LedgerAccount.objects.filter(kind=kind, currency=currency, bucket=bucket, **owner).first()
    return row.balance if row else 0


def platform_balance(
    platform, currency: str = "usd", *, livemode: bool = True, bucket: str = Bucket.AVAILABLE
) -> int:
    return balance(kind=Kind.PLATFORM, currency=currency, bucket=bucket, platform=platform, livemode=livemode)


def balance_of(connection, currency: str = "usd", bucket: str = Bucket.AVAILABLE) -> int:
    return balance(kind=Kind.CONNECTION, currency=currency, bucket=bucket, connection=connection)


def system_balance(platform, kind: str, currency: str = "usd", *, livemode: bool = True) -> int:
    return balance(kind=kind, currency=currency, platform=platform, livemode=livemode)


def receiving_connection(platform, *, livemode: bool = True, **kwargs):
    """An active account that can receive transfers (transfers capability active, payouts on)."""
    kwargs.setdefault("payouts_enabled", True)
    connection = ConnectionFactory(platform=platform, livemode=livemode, **kwargs)
    CapabilityFactory(connection=connection, name="transfers", status="active")
    return connection


class BankAccountFactory(DjangoModelFactory):
    """BankAccountFactory(account=..., number="000111111116") — a test-mode magic number decides
    what payouts to it do (domain.md §10)."""

    class Meta:
        model = ExternalAccount

    class Params:
        number = "000123456789"

    account = None
    kind = ExternalAccount.Kind.BANK_ACCOUNT
    country = factory.LazyAttribute(lambda o: o.account.country)
    currency = factory.LazyAttribute(lambda o: o.account.default_currency)
    last4 = factory.LazyAttribute(lambda o: o.number[-4:])
    fingerprint = factory.LazyAttribute(lambda o: magic.fingerprint("bank_account", o.number))
    bank_name = "STRIPE TEST BANK"
    routing_number = magic.MAGIC_ROUTING_NUMBER
    default_for_currency = True
    status = ExternalAccount.Status.VERIFIED


class CardFactory(DjangoModelFactory):
    class Meta:
        model = ExternalAccount

    class Params:
        number = "4000056655665556"

    account = None
    kind = ExternalAccount.Kind.CARD
    country = factory.LazyAttribute(lambda o: o.account.country)
    currency = factory.LazyAttribute(lambda o: o.account.default_currency)
    last4 = factory.LazyAttribute(lambda o: o.number[-4:])
    fingerprint = factory.LazyAttribute(lambda o: magic.fingerprint("card", o.number))
    brand = "Visa"
    supports_instant = True
    default_for_currency = False
    status = ExternalAccount.Status.NEW


@contextmanager
def behind_the_ledgers_back():
    """Let a test damage the books on purpose (to prove check_ledger finds it): on PostgreSQL the
    ledger's triggers refuse any such change, so they are switched off for this transaction."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        yield
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = origin")
