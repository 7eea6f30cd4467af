"""factory-boy factories: each builds a valid object with no arguments."""

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import Account, Capability, Connection, Person
from platform_console.models import Membership, Platform, Role, User
from platform_console.permissions import DEFAULT_ROLES


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"operator{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.django.Password("pw")


class PlatformFactory(DjangoModelFactory):
    class Meta:
        model = Platform

    name = factory.Sequence(lambda n: f"Platform {n}")
    country = "US"
    default_currency = "usd"
    legal_name = factory.LazyAttribute(lambda o: f"{o.name}, Inc.")
    website = "https://platform.example"
    support_email = "support@platform.example"
    industry = Platform.Industry.MARKETPLACE
    business_description = "A marketplace."
    platform_profile_completed = True


def shipped_role(slug: str) -> Role:
    """The role as the data migration ships it. Transactional tests flush every table, the
    migration's rows included, so the role is recreated from the same definition when missing."""
    definition = next((r for r in DEFAULT_ROLES if r["slug"] == slug), None)
    if definition is None:
        return Role.objects.get(slug=slug)
    role, _ = Role.objects.get_or_create(slug=slug, defaults=definition)
    return role


class MembershipFactory(DjangoModelFactory):
    """MembershipFactory(roles=["admin"]) gives the member those roles (by slug)."""

    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    platform = factory.SubFactory(PlatformFactory)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create:
            self.roles.set([shipped_role(slug) for slug in extracted or ["view_only"]])


class AccountFactory(DjangoModelFactory):
    class Meta:
        model = Account

    country = "US"
    default_currency = "usd"
    email = factory.Sequence(lambda n: f"owner{n}@business.example")
    business_type = Account.BusinessType.COMPANY
    name = factory.Sequence(lambda n: f"Business {n}")
    legal_name = factory.LazyAttribute(lambda o: f"{o.name} LLC")
    connected_platforms_count = 1


class ConnectionFactory(DjangoModelFactory):
    class Meta:
        model = Connection

    platform = factory.SubFactory(PlatformFactory)
    account = factory.SubFactory(AccountFactory)
    livemode = True
    dashboard_type = Connection.DashboardType.FULL
    lifecycle_state = Connection.Lifecycle.ACTIVE
    details_submitted = True
    status = Connection.Status.ENABLED
    metadata = factory.LazyFunction(dict)
    created_at = factory.LazyFunction(timezone.now)

    class Params:
        express = factory.Trait(
            dashboard_type="express", fees_payer="application_express", losses_payments="application"
        )
        custom = factory.Trait(
            dashboard_type="none",
            fees_payer="application_custom",
            losses_payments="application",
            requirement_collection="application",
        )
        invited = factory.Trait(lifecycle_state="invited", details_submitted=False, status="invited")


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    account = factory.SubFactory(AccountFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"person{n}@business.example")
    is_owner = True
    percent_ownership = 10


class CapabilityFactory(DjangoModelFactory):
    class Meta:
        model = Capability
        django_get_or_create = ("connection", "name")

    connection = factory.SubFactory(ConnectionFactory)
    name = "transfers"
    requested = True
    status = Capability.Status.ACTIVE
