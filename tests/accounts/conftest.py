import pytest

from accounts.models import Capability, Person
from tests.factories import AccountFactory, ConnectionFactory


@pytest.fixture
def custom_account(platform):
    """A platform-collected (None access) US company with a representative and an owner."""
    account = AccountFactory(country="US", name="Acme Bakery", legal_name="Acme Bakery LLC")
    connection = ConnectionFactory(platform=platform, account=account, custom=True)
    for name in ("card_payments", "transfers"):
        Capability.objects.create(connection=connection, name=name, status="active")
    rep = Person.objects.create(account=account, first_name="Maria", last_name="Garcia", is_representative=True,
                                is_owner=True, percent_ownership=60, dob="1985-04-12", email="maria@acme.example")
    owner = Person.objects.create(account=account, first_name="Chen", last_name="Wang", is_owner=True,
                                  percent_ownership=30, email="chen@acme.example")
    connection.rep, connection.owner = rep, owner
    return connection
