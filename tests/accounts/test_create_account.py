import pytest
from django.core import mail

from accounts.errors import AccountError, NotAllowed
from accounts.links import hash_token
from accounts.models import AccountLink, Capability, Connection
from accounts.services import PRESETS, create_account
from platform_console.models import AuditEvent, OutboxEmail

pytestmark = pytest.mark.django_db


def create(actor, access="express", **changes):
    params = {"actor": actor, "livemode": True, "country": "US", "email": "holder@acme.example",
              "dashboard_type": access, **PRESETS[access]}
    return create_account(**{**params, **changes})


@pytest.mark.parametrize("access", ["full", "express"])
def test_full_and_express_start_invited_with_an_onboarding_link(admin, access):
    connection, token = create(admin, access)
    assert connection.lifecycle_state == "invited" and connection.status == "invited"
    link = AccountLink.objects.get(connection=connection)
    assert link.kind == "onboarding" and link.token_hash == hash_token(token) and link.state() == "active"
    assert token not in str(AccountLink.objects.filter(pk=link.pk).values().get())


def test_the_token_has_at_least_128_random_bits(admin):
    _, token = create(admin)
    assert len(token) >= 22 and token.replace("-", "").replace("_", "").isalnum()


def test_the_link_is_emailed_to_the_holder_after_commit(admin, run_on_commit):
    with run_on_commit():
        _, token = create(admin)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["holder@acme.example"] and token in message.body
    assert message.alternatives and token in message.alternatives[0][0]
    assert OutboxEmail.objects.get().status == "sent"


def test_none_access_is_active_at_once_without_a_link(admin):
    connection, token = create(admin, "none")
    assert token is None and connection.lifecycle_state == "active" and connection.connected_at
    assert not AccountLink.objects.exists() and not OutboxEmail.objects.exists()


def test_capabilities_default_to_card_payments_and_transfers(admin):
    connection, _ = create(admin)
    assert sorted(Capability.objects.filter(connection=connection).values_list("name", flat=True)) == [
        "card_payments", "transfers"]


def test_test_mode_creates_a_test_account(admin):
    connection, _ = create(admin, livemode=False)
    assert connection.livemode is False


def test_metadata_and_business_type_are_kept(admin):
    connection, _ = create(admin, business_type="company", metadata={"ref": "A-1"})
    assert connection.metadata == {"ref": "A-1"} and connection.account.business_type == "company"


def test_creation_is_audited(admin):
    connection, _ = create(admin)
    actions = set(AuditEvent.objects.filter(account_public_id=connection.account.public_id).values_list("action", flat=True))
    assert {"account.created", "onboarding_link.issued"} <= actions


@pytest.mark.parametrize("role", ["analyst", "support_specialist", "view_only"])
def test_other_roles_cannot_create(platform, role):
    from tests.factories import MembershipFactory

    with pytest.raises(NotAllowed):
        create(MembershipFactory(platform=platform, roles=[role]))
    assert not Connection.objects.exists()


def test_developers_can_create(developer):
    connection, _ = create(developer)
    assert connection.pk


def test_an_incomplete_platform_profile_blocks_creation(admin):
    admin.platform.platform_profile_completed = False
    admin.platform.save()
    with pytest.raises(NotAllowed, match="platform profile"):
        create(admin)
    assert not Connection.objects.exists()


def test_a_french_platform_cannot_create_in_the_dashboard(admin):
    admin.platform.country = "FR"
    admin.platform.save()
    with pytest.raises(NotAllowed, match="hosted onboarding"):
        create(admin, country="FR")
    assert not Connection.objects.exists()


def test_invalid_controller_combinations_are_refused(admin):
    with pytest.raises(AccountError, match="Express"):
        create(admin, "express", losses_payments="stripe")
    with pytest.raises(AccountError, match="collects requirements"):
        create(admin, "full", requirement_collection="application", losses_payments="application")
    assert not Connection.objects.exists()


def test_cross_border_accounts_only_receive_transfers(admin):
    with pytest.raises(AccountError, match="transfers"):
        create(admin, country="GB")
    connection, _ = create(admin, country="GB", capabilities=["transfers"])
    assert connection.service_agreement == "recipient" and connection.account.default_currency == "gbp"
