"""Load the demo: two platforms, one operator per role, and about sixty connected accounts in
every status, access type and several countries, in both modes. Safe to run twice."""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.links import new_link
from accounts.models import Account, AccountLink, Capability, Connection, ExternalAccount, Person
from money import demo as demo_money
from platform_console.audit import record_audit
from platform_console.countries import DEFAULT_CURRENCY
from platform_console.models import Membership, Platform, Role, User
from requirements_engine import demo as demo_requirements
from support_cases import demo as demo_support

DEMO_PASSWORD = "demo"
OPERATORS = [
    ("admin@demo.test", "Ada Admin", "admin"),
    ("developer@demo.test", "Dev Developer", "developer"),
    ("analyst@demo.test", "Ana Analyst", "analyst"),
    ("support@demo.test", "Sam Support", "support_specialist"),
    ("viewer@demo.test", "Vic Viewer", "view_only"),
]
BUSINESSES = [
    "Acme Bakery", "Blue Harbor Coffee", "Northwind Outfitters", "Lumen Yoga Studio", "Copper Kettle Catering",
    "Pine & Oak Furniture", "Riverbend Bikes", "Golden Hour Photography", "Maple Leaf Tutoring", "Nimbus Cloud Labs",
    "Sakura Tea House", "Atlas Movers", "Brightside Dental", "Cedar Creek Farm", "Urban Sprout Market",
    "Velvet Note Music School", "Harbor Lights Hostel", "Quill & Ink Stationery", "Summit Climbing Gym",
    "Old Town Barbers", "Fjord Fish Co", "Kite & Key Toys", "Emberline Candles", "Polar Ice Rink",
    "Crescent Moon Bakery", "Wildflower Florist", "Orbit Games", "Granite Peak Guides", "Sunny Side Daycare",
    "Tidewater Kayaks", "Bob's <Bakery> & Sons", "Hearth Pizza", "Silverline Tailors", "Mosaic Art Supply",
    "Zephyr Drone Works", "Little Fox Bookshop", "Aurora Skin Clinic", "Iron Anvil Forge", "Sprocket Repair",
    "Meadow Honey", "Paper Crane Origami", "Starlight Cinema", "Boulder Brew Pub", "Cobalt Print Shop",
    "Willow Pet Grooming", "Lighthouse Legal", "Nova Fitness", "Canal Street Deli", "Glacier Water Co",
    "Juniper Spa", "Redwood Roofing", "Saffron Kitchen", "Tandem Cycles", "Opal Jewelry", "Marigold Events",
    "Berlin Brot Backerei", "Maison Lavande", "Tokyo Ramen Ya", "Toronto Maple Goods", "London Loaf",
]
COUNTRIES = ["US", "US", "US", "GB", "DE", "FR", "CA", "JP"]
LEGAL_SUFFIX = {"US": "LLC", "CA": "Inc.", "GB": "Ltd", "DE": "GmbH", "FR": "SAS", "JP": "K.K."}
CITIES = {"US": "San Francisco", "CA": "Toronto", "GB": "London", "DE": "Berlin", "FR": "Lyon", "JP": "Tokyo"}
STATES = {"US": "CA", "CA": "ON", "JP": "Tokyo"}
POSTCODES = {"US": "94103", "CA": "M5V 2T6", "GB": "SW1A 1AA", "DE": "10115", "FR": "69001", "JP": "100-0001"}
STATUS_PLAN = ["enabled", "enabled", "restricted_soon", "restricted", "in_review", "invited", "enabled", "rejected"]


class Command(BaseCommand):
    help = "Create demo platforms, operators (password 'demo') and connected accounts. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Allow running with DEBUG off.")

    def handle(self, *args, force: bool = False, **options):
        if not (settings.CONSOLE_ALLOW_DEMO_SEED or force):
            raise CommandError(
                "seed_demo creates logins with the password 'demo' and is refused when DEBUG is off."
            )
        with transaction.atomic():
            demo, second = self._platforms()
            self._operators(demo, second)
            created = 0
            if not Connection.objects.filter(platform=demo).exists():
                created += self._accounts(demo)
            if not Connection.objects.filter(platform=second).exists():
                created += self._accounts(second, count=6, seed=7)
        # Money runs through the real services, each in its own durable transaction.
        for platform in (demo, second):
            admin = Membership.objects.get(user__email="admin@demo.test", platform=platform)
            demo_money.seed(platform, admin)
            demo_support.seed(platform, admin)
        self.stdout.write(self.style.SUCCESS(f"Demo ready: {created} connected accounts created."))
        for email, _, role in OPERATORS:
            self.stdout.write(f"  {email:<22} password: {DEMO_PASSWORD}   role: {role}")

    def _platforms(self) -> tuple[Platform, Platform]:
        demo, _ = Platform.objects.update_or_create(
            name="Rocket Rides",
            defaults={
                "country": "US",
                "default_currency": "usd",
                "legal_name": "Rocket Rides, Inc.",
                "website": "https://rocketrides.example",
                "support_email": "support@rocketrides.example",
                "industry": Platform.Industry.MARKETPLACE,
                "business_description": "A marketplace connecting riders with independent drivers.",
                "platform_profile_completed": True,
            },
        )
        second, _ = Platform.objects.update_or_create(
            name="Le Petit Marché",
            defaults={
                "country": "FR",
                "default_currency": "eur",
                "legal_name": "Le Petit Marché SAS",
                "website": "https://petitmarche.example",
                "support_email": "aide@petitmarche.example",
                "industry": Platform.Industry.MARKETPLACE,
                "business_description": "A marketplace for independent French food producers.",
                "platform_profile_completed": True,
            },
        )
        return demo, second

    def _operators(self, demo: Platform, second: Platform) -> None:
        roles = {role.slug: role for role in Role.objects.all()}
        for email, full_name, role_slug in OPERATORS:
            user, created = User.objects.get_or_create(email=email, defaults={"full_name": full_name})
            if created or not user.check_password(DEMO_PASSWORD):
                user.set_password(DEMO_PASSWORD)
                user.save()
            membership, _ = Membership.objects.get_or_create(user=user, platform=demo)
            membership.roles.set([roles[role_slug]])
        # The admin is also on the French platform, to show the platform switcher.
        admin = User.objects.get(email="admin@demo.test")
        membership, _ = Membership.objects.get_or_create(user=admin, platform=second)
        membership.roles.set([roles["admin"]])

    def _accounts(self, platform: Platform, count: int = 60, seed: int = 42) -> int:
        rng = random.Random(seed)
        admin = Membership.objects.get(user__email="admin@demo.test", platform=platform)
        now = timezone.now()
        for i in range(count):
            name = BUSINESSES[i % len(BUSINESSES)] if platform.country != "FR" else BUSINESSES[-(i + 1)]
            country = COUNTRIES[i % len(COUNTRIES)] if platform.country != "FR" else "FR"
            status = STATUS_PLAN[i % len(STATUS_PLAN)]
            livemode = i % 5 not in (1, 3)  # three fifths live, the rest test
            access = ["full", "express", "none"][i % 3]
            if status == "invited":
                access = ["full", "express"][i % 2]  # None-access accounts are active from creation
            elif status == "rejected":
                access = "express"  # only platform-liable accounts can be rejected
            business_type = "individual" if i % 4 == 1 else "company"
            created_at = now - timedelta(days=rng.randint(1, 700), minutes=rng.randint(0, 1440))
            invited = status == "invited"
            account = self._account(name, country, business_type, rng, created_at, invited=invited)
            cross_border = country != platform.country
            connection = Connection.objects.create(
                platform=platform,
                account=account,
                livemode=livemode,
                **self._controller(access),
                service_agreement="recipient" if cross_border else "full",
                lifecycle_state="invited" if invited else ("rejected" if status == "rejected" else "active"),
                disabled_reason="rejected.platform_fraud" if status == "rejected" else "",
                details_submitted=not invited,
                metadata={"internal_id": f"cus-{1000 + i}", "tier": rng.choice(["gold", "silver", "bronze"])},
                created_at=created_at,
                connected_at=None if invited else created_at + timedelta(hours=2),
                tos_accepted_at=None if invited else created_at + timedelta(hours=2),
                last_activity_at=None if invited else now - timedelta(days=rng.randint(0, 60)),
            )
            for capability in ["transfers"] if cross_border else ["card_payments", "transfers"]:
                Capability.objects.create(connection=connection, name=capability, requested=True,
                                          requested_at=created_at, status="inactive",
                                          disabled_reason="pending.onboarding")
            if not invited:
                self._people(account, rng, owners=1 + i % 3)
                ExternalAccount.objects.create(
                    account=account, kind="bank_account", country=country, currency=account.default_currency,
                    last4=f"{rng.randint(0, 9999):04d}", account_holder_name=account.legal_name or name,
                    routing_number="110000000", default_for_currency=True, status="verified",
                )
            if access in ("full", "express"):
                self._onboarding_link(connection, admin, used=not invited, now=now)
            # The badge comes out of the requirements engine evaluating this data.
            demo_requirements.apply_plan(connection, status, variant=i)
            record_audit(
                actor=admin,
                action="account.created",
                obj=account,
                account_public_id=account.public_id,
                livemode=livemode,
                after={"dashboard_type": access, "country": country},
            )
        return count

    @staticmethod
    def _account(name: str, country: str, business_type: str, rng: random.Random, created_at, *, invited: bool) -> Account:
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
        if invited:
            return Account.objects.create(country=country, default_currency=DEFAULT_CURRENCY[country],
                                          email=f"owner@{slug}.example", connected_platforms_count=1,
                                          created_at=created_at)
        company = business_type == "company"
        return Account.objects.create(
            country=country,
            default_currency=DEFAULT_CURRENCY[country],
            email=f"owner@{slug}.example",
            business_type=business_type,
            name=name,
            legal_name=f"{name} {LEGAL_SUFFIX.get(country, 'Ltd')}" if company else "",
            legal_name_kana="カブシキガイシャ" if company and country == "JP" else "",
            url=f"https://{slug}.example",
            mcc=rng.choice(["5812", "5462", "7230", "8299", "5941", "7997"]),
            product_description=f"{name} sells to local customers.",
            support_email=f"help@{slug}.example",
            support_phone="+14155550100",
            phone="+14155550199" if company else "",
            address_line1=f"{rng.randint(1, 999)} Market Street" if company else "",
            address_city=CITIES.get(country, "Springfield") if company else "",
            address_state=STATES.get(country, "") if company else "",
            address_postal_code=POSTCODES.get(country, "10115") if company else "",
            tax_id_provided=company,
            tax_id_registrar="Amtsgericht Berlin (Charlottenburg)" if company and country == "DE" else "",
            owners_provided=company,
            directors_provided=company and country in ("GB", "DE"),
            connected_platforms_count=1,
            created_at=created_at,
        )

    @staticmethod
    def _onboarding_link(connection: Connection, admin: Membership, *, used: bool, now) -> None:
        """Invited accounts are mid-onboarding with a live link; connected ones used theirs."""
        link, _token = new_link(connection=connection, kind=AccountLink.Kind.ONBOARDING,
                                lifetime=timedelta(days=7), created_by=admin, sent_to=connection.account.email)
        if used:
            AccountLink.objects.filter(pk=link.pk).update(
                created_at=connection.created_at, expires_at=connection.created_at + timedelta(days=7),
                used_at=connection.connected_at, visit_count=2,
            )
            Connection.objects.filter(pk=connection.pk).update(tos_accepted_at=connection.connected_at)

    @staticmethod
    def _controller(access: str) -> dict:
        if access == "full":
            return {"dashboard_type": "full", "fees_payer": "account", "losses_payments": "stripe",
                    "requirement_collection": "stripe"}
        if access == "express":
            return {"dashboard_type": "express", "fees_payer": "application_express",
                    "losses_payments": "application", "requirement_collection": "stripe"}
        return {"dashboard_type": "none", "fees_payer": "application_custom", "losses_payments": "application",
                "requirement_collection": "application"}

    @staticmethod
    def _people(account: Account, rng: random.Random, owners: int) -> None:
        first = ["Maria", "Chen", "Aisha", "Lukas", "Sofia", "Kenji", "Olivia", "Mateo"]
        last = ["Garcia", "Wang", "Okafor", "Schmidt", "Rossi", "Tanaka", "Brown", "Silva"]
        country = account.country
        address = {
            "address_line1": f"{rng.randint(1, 99)} Oak Avenue", "address_city": CITIES.get(country, "Springfield"),
            "address_state": STATES.get(country, ""), "address_postal_code": POSTCODES.get(country, "10115"),
            "address_country": country,
        }
        kana = {"first_name_kana": "タロウ", "last_name_kana": "ヤマダ"} if country == "JP" else {}
        if account.business_type == "individual":
            Person.objects.create(
                account=account, first_name="Jamie", last_name=account.name.split()[0], is_account_individual=True,
                is_representative=True, email=account.email, phone="+14155550123", dob=date(1985, 5, 17),
                ssn_last_4_provided=country == "US", verification_status="verified", **address, **kana,
            )
            return
        share = Decimal(100 // (owners + 1))
        for n in range(owners):
            Person.objects.create(
                account=account,
                first_name=rng.choice(first),
                last_name=rng.choice(last),
                email=f"person{n}@{account.email.split('@')[1]}",
                phone="+14155550124",
                dob=date(1970 + rng.randint(0, 30), rng.randint(1, 12), rng.randint(1, 28)),
                is_representative=n == 0,
                is_executive=n == 0,
                is_director=n == 0 and country in ("GB", "DE"),
                is_owner=True,
                title="CEO" if n == 0 else "Partner",
                percent_ownership=share,
                ssn_last_4_provided=country == "US",
                verification_status="verified",
                **address,
                **kana,
            )
