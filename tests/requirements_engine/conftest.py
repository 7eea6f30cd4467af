import pytest

from accounts.models import Capability, Connection, ExternalAccount, Person
from requirements_engine import services
from requirements_engine.models import FieldVerification
from tests.factories import AccountFactory, ConnectionFactory


@pytest.fixture
def onboarded(platform):
    """A US company, platform-collected (None access), fully onboarded and verified, in test mode."""

    def make(**changes) -> Connection:
        account = AccountFactory(
            country="US", business_type="company", name="Acme Bakery", legal_name="Acme Bakery LLC",
            url="https://acme.example", mcc="5462", phone="+14155550100", address_line1="1 Market St",
            address_city="San Francisco", address_state="CA", address_postal_code="94103", tax_id_provided=True,
            owners_provided=True, email="owner@acme.example",
        )
        changes = {"livemode": False, **changes}
        connection = ConnectionFactory(platform=platform, account=account, custom=True,
                                       tos_accepted_at=account.created_at, **changes)
        for name in ("card_payments", "transfers"):
            Capability.objects.create(connection=connection, name=name, requested=True)
        Person.objects.create(
            account=account, first_name="Maria", last_name="Garcia", email="maria@acme.example", phone="+14155550101",
            dob="1985-04-12", title="CEO", address_line1="2 Main St", address_city="Oakland", address_state="CA",
            address_postal_code="94607", ssn_last_4_provided=True, is_representative=True, is_executive=True,
        )
        ExternalAccount.objects.create(account=account, kind="bank_account", country="US", currency="usd", last4="6789",
                                       default_for_currency=True)
        for path in ("company.tax_id", "representative.dob", "representative.ssn_last_4", "business_profile.url",
                     "company.name", "company.address.line1", "representative.address.line1"):
            FieldVerification.objects.create(platform=platform, connection=connection, path=path, status="verified",
                                             livemode=False)
        services.recompute(connection)
        connection.refresh_from_db()
        return connection

    return make
