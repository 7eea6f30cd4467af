"""The benchmark's data: N connected accounts of one platform, in live mode, with persons,
capabilities, requirement rows and metadata, loaded with COPY in a few minutes at a million.

The load runs in one transaction: it empties the tenant tables (TRUNCATE … CASCADE, refused
unless the database holds nothing but the bench platform), drops the secondary indexes and
foreign keys of the five tables it fills, streams the rows with `COPY … FREEZE` (the tables were
truncated in the same transaction, so the rows are written frozen and all-visible: no vacuum
afterwards, and index-only scans work at once), then recreates the indexes and constraints
exactly as they were and ANALYZEs. A failure rolls all of it back.

The generated state is the steady state of a running installation: accounts inactive for more
than 540 days are already on hold, deadlines that passed long ago are already past due. What
the sweeps find is what a day (inactivity) or an hour (deadlines) adds: about 0.1 % and 0.02 %.
"""

import base64
import json
import random
import time
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection as db
from django.db import transaction
from django.utils import timezone

from accounts.models import Account, Capability, Connection, ExternalAccount, Person
from platform_console.models import AuditEvent, Membership, Platform, Role, User
from platform_console.permissions import DEFAULT_ROLES
from requirements_engine.models import Requirement

PLATFORM_NAME = "Console Bench (generated data)"
ADMIN_EMAIL = "bench-admin@bench.invalid"
STAFF_EMAIL = "bench-staff@bench.invalid"
LIVEMODE = True
SEED = 20261127
CHUNK = 25_000  # accounts generated (and copied) per round
# Below this many accounts the indexes stay in place while loading (the smoke test's 1 000).
DROP_INDEXES_FROM = 20_000
LOADED_MODELS = (Account, Connection, Person, Capability, Requirement)
HISTORY_DAYS = 3 * 365
INACTIVITY_DAYS = 540  # requirements_engine/data/rules.json

ADJECTIVES = ["Golden", "Silver", "Blue", "Red", "Green", "Northern", "Southern", "Eastern", "Western", "Coastal", "Urban", "Rustic", "Modern", "Royal", "Little", "Grand", "Bright", "Quiet", "Swift", "Happy", "Lucky", "Wild", "Clever", "Bold", "Humble", "Honest", "Crimson", "Amber", "Ivory", "Copper", "Iron", "Velvet", "Cedar", "Maple", "Willow", "Pine", "Oak", "Birch", "Juniper", "Sage", "Lavender", "Coral", "Azure", "Indigo", "Scarlet", "Emerald", "Sapphire", "Ruby", "Crystal", "Misty", "Sunny", "Stormy", "Frosty", "Windy", "Hidden", "Secret", "Ancient", "Eternal", "First", "Prime", "Summit", "Harbor", "River", "Lake", "Ocean", "Mountain", "Valley", "Meadow", "Prairie", "Canyon", "Desert", "Island", "Forest", "Garden", "Orchard", "Village", "Market", "Station", "Bridge", "Lantern", "Compass", "Anchor", "Beacon", "Falcon", "Eagle", "Fox", "Wolf", "Bear", "Otter", "Heron", "Sparrow", "Raven", "Lion", "Tiger", "Panda", "Koala", "Dolphin", "Whale", "Rocket", "Comet", "Nova", "Orbit", "Pixel", "Vector", "Quantum", "Atlas", "Apex", "Zenith", "Horizon", "Echo", "Nimbus", "Aurora", "Solstice", "Tidal", "Granite", "Marble", "Slate", "Saffron", "Cinnamon", "Ginger"]
NOUNS = ["Kettle", "Spoon", "Table", "Bench", "Basket", "Barrel", "Bottle", "Candle", "Feather", "Leaf", "Stone", "Brook", "Creek", "Hollow", "Ridge", "Peak", "Point", "Bay", "Cove", "Grove", "Field", "Hill", "Gate", "Street", "Lane", "Road", "Yard", "Works", "Mill", "Forge", "Loom", "Press", "House", "Hall", "Room", "Corner", "Nest", "Den", "Hive", "Barn", "Dock", "Pier", "Wharf", "Tower", "Castle", "Crown", "Shield", "Arrow", "Sail", "Wave", "Tide", "Cloud", "Star", "Moon", "Sun", "Spark", "Flame", "Ember", "Frost", "Snow", "Rain", "Bloom", "Petal", "Root", "Seed", "Vine", "Thistle", "Clover", "Fern", "Moss", "Pebble", "Shell", "Pearl", "Coin", "Key", "Lock", "Wheel", "Gear", "Bolt", "Thread", "Needle"]
TRADES = [
    "Bakery", "Coffee", "Cafe", "Studio", "Labs", "Outfitters", "Supply", "Market", "Kitchen", "Catering",
    "Florist", "Books", "Bikes", "Cycles", "Fitness", "Yoga", "Dental", "Clinic", "Spa", "Salon", "Barbers",
    "Tailors", "Jewelry", "Gallery", "Photography", "Design", "Media", "Games", "Toys", "Pets", "Grooming",
    "Farm", "Brewery", "Winery", "Distillery", "Tea House", "Deli", "Pizza", "Ramen", "Tacos", "Grill",
    "Diner", "Bistro", "Roasters", "Apparel", "Boutique", "Home Goods", "Furniture", "Hardware", "Plumbing",
    "Electric", "Roofing", "Landscaping", "Cleaning", "Movers", "Tutoring", "Music School", "Legal",
    "Consulting", "Travel", "Tours", "Rentals", "Print Shop", "Software", "Analytics", "Robotics", "Drones",
    "Solar", "Water Co", "Candles", "Soap Co", "Ceramics", "Textiles",
]
FIRST_NAMES = ["Ada", "Alan", "Alice", "Amara", "Amir", "Ana", "Andre", "Anna", "Aria", "Arjun", "Ava", "Ben", "Bianca", "Carlos", "Carmen", "Chen", "Chloe", "Clara", "Daniel", "David", "Diego", "Elena", "Eli", "Emma", "Erik", "Ethan", "Eva", "Fatima", "Felix", "Fiona", "Gabriel", "Grace", "Hana", "Hannah", "Hugo", "Ines", "Isaac", "Isla", "Ivan", "Jack", "Jada", "James", "Jana", "Javier", "Jin", "Jonas", "Julia", "Kai", "Kenji", "Kofi", "Lara", "Leah", "Leo", "Liam", "Lina", "Lucas", "Lucia", "Luis", "Maya", "Mei", "Mia", "Mila", "Mohamed", "Nadia", "Naomi", "Nia", "Nico", "Noah", "Nora", "Olivia", "Omar", "Oscar", "Paula", "Priya", "Rafael", "Rania", "Rosa", "Ruth", "Sam", "Sara", "Sofia", "Tariq", "Theo", "Tomas", "Uma", "Victor", "Wei", "Yara", "Yuki", "Zara", "Zoe"]
LAST_NAMES = ["Abbott", "Adams", "Ahmed", "Alvarez", "Andersen", "Bauer", "Becker", "Bennett", "Bianchi", "Brooks", "Campbell", "Carter", "Castro", "Chen", "Clarke", "Cohen", "Costa", "Cruz", "Dubois", "Duarte", "Edwards", "Evans", "Fischer", "Fletcher", "Fontaine", "Garcia", "Gomez", "Gonzalez", "Grant", "Gray", "Gupta", "Hansen", "Harris", "Hayes", "Hoffmann", "Hughes", "Ito", "Jensen", "Johansson", "Johnson", "Kaur", "Keller", "Kim", "Klein", "Kowalski", "Kumar", "Laurent", "Lee", "Lewis", "Lopez", "Maier", "Martin", "Martinez", "Meyer", "Miller", "Mitchell", "Moreau", "Morgan", "Muller", "Murphy", "Nakamura", "Nguyen", "Novak", "Okafor", "Olsen", "Ortiz", "Park", "Patel", "Perez", "Petrov", "Reyes", "Richter", "Rivera", "Roberts", "Rossi", "Russo", "Sanchez", "Santos", "Sato", "Schmidt", "Schneider", "Silva", "Singh", "Smith", "Sousa", "Suzuki", "Tanaka", "Taylor", "Thomas", "Torres", "Turner", "Wagner", "Walker", "Wang", "Watanabe", "Weber", "Williams", "Wilson", "Wong", "Yamamoto", "Young", "Zhang", "Zimmermann"]
# (country, weight, currency, legal suffix, city, state, postcode)
COUNTRIES = [
    ("US", 60, "usd", "LLC", "San Francisco", "CA", "94103"),
    ("GB", 10, "gbp", "Ltd", "London", "", "SW1A 1AA"),
    ("CA", 8, "cad", "Inc.", "Toronto", "ON", "M5V 2T6"),
    ("DE", 7, "eur", "GmbH", "Berlin", "", "10115"),
    ("FR", 6, "eur", "SAS", "Lyon", "", "69001"),
    ("AU", 5, "aud", "Pty Ltd", "Sydney", "NSW", "2000"),
    ("JP", 4, "jpy", "K.K.", "Tokyo", "Tokyo", "100-0001"),
]
COUNTRY_POOL = [row for row in COUNTRIES for _ in range(row[1])]
# (lifecycle, status) by share of the accounts, in percent.
STATES = [
    ("active", "enabled", 70),
    ("active", "restricted_soon", 7),
    ("active", "restricted", 5),
    ("active", "in_review", 4),
    ("invited", "invited", 10),
    ("rejected", "rejected", 1.5),
    ("removed", "enabled", 2.5),
]
STATE_POOL = [(life, status) for life, status, share in STATES for _ in range(int(share * 2))]
ACCESS = [
    ("full", "account", "stripe", "stripe"),
    ("express", "application_express", "application", "stripe"),
    ("express", "application_express", "application", "stripe"),
    ("none", "application_custom", "application", "application"),
]
BUSINESS_TYPES = ["company"] * 15 + ["individual"] * 4 + ["non_profit"]
TIERS = ["gold", "silver", "silver", "bronze", "bronze", "bronze", "platinum"]
REGIONS = ["north", "south", "east", "west", "central"]
MCCS = ["5812", "5814", "5999", "7230", "8299", "5734", "7299", "5651", "5945", "4722"]
ID_TABLE = bytes.maketrans(b"+/", b"qZ")
BOTH = '["card_payments", "transfers"]'


@dataclass
class Dataset:
    """What the figures need to find the loaded data again."""

    accounts: int
    platform_id: int
    admin_user_id: int
    staff_user_id: int
    details_account: str  # 5 persons, 10 requirements, 20 audit events
    plain_account: str  # the same kind of account with 1 person, 1 requirement, no events
    load_seconds: float | None = None
    load_steps: dict | None = None

    def as_dict(self) -> dict:
        return asdict(self)


class RefusedDatabase(Exception):
    """The database holds data that is not the benchmark's own."""


# Finding and loading ---------------------------------------------------------------------------


def find(accounts: int | None = None) -> Dataset | None:
    """The data set already loaded in this database, or None."""
    platform = Platform.objects.filter(name=PLATFORM_NAME).first()
    if platform is None:
        return None
    admin = User.objects.filter(email=ADMIN_EMAIL).first()
    staff = User.objects.filter(email=STAFF_EMAIL).first()
    marked = dict(
        Connection.objects.filter(platform=platform, metadata__has_key="bench_role").values_list(
            "metadata__bench_role", "account__public_id"
        )
    )
    if admin is None or staff is None or {"details", "plain"} - marked.keys():
        return None
    count = Connection.objects.filter(platform=platform).count() - len(marked)
    if accounts is not None and count != accounts:
        return None
    return Dataset(
        accounts=count,
        platform_id=platform.pk,
        admin_user_id=admin.pk,
        staff_user_id=staff.pk,
        details_account=marked["details"],
        plain_account=marked["plain"],
    )


def ensure_own_database() -> None:
    """Refuse to load into a database that holds any platform other than the bench's."""
    others = Platform.objects.exclude(name=PLATFORM_NAME)
    if others.exists():
        names = ", ".join(others.values_list("name", flat=True)[:3])
        raise RefusedDatabase(
            f"This database holds other platforms ({names}…): the bench empties every tenant table "
            "before loading, so it needs a database of its own (e.g. console_bench)."
        )


def load(accounts: int, *, log=print) -> Dataset:
    """Empty the tenant tables and load `accounts` connected accounts; returns the data set."""
    ensure_own_database()
    started = time.perf_counter()
    steps: dict[str, float] = {}
    now = timezone.now()
    with transaction.atomic():
        with db.cursor() as cursor:
            tables = ", ".join(m._meta.db_table for m in (Platform, *LOADED_MODELS))
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cursor.execute("SET LOCAL synchronous_commit = off")
        platform = Platform.objects.create(
            name=PLATFORM_NAME,
            country="US",
            default_currency="usd",
            legal_name="Console Bench, Inc.",
            website="https://bench.invalid",
            support_email="support@bench.invalid",
            industry=Platform.Industry.MARKETPLACE,
            business_description="Generated by `manage.py bench`: not a real platform.",
            platform_profile_completed=True,
        )
        drop = accounts >= DROP_INDEXES_FROM
        saved = _drop_secondary(LOADED_MODELS) if drop else []
        mark = time.perf_counter()
        _copy_accounts(platform.pk, accounts, now, log=log)
        steps["copy"] = time.perf_counter() - mark
        mark = time.perf_counter()
        _restore(saved, log=log)
        steps["indexes"] = time.perf_counter() - mark
        with db.cursor() as cursor:
            for model in LOADED_MODELS:
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                )
        admin, staff = _operators(platform)
        details = _details_account(platform, now, persons=5, requirements=10, events=20, role="details")
        plain = _details_account(platform, now, persons=1, requirements=1, events=0, role="plain")
    mark = time.perf_counter()
    with db.cursor() as cursor:
        for model in (Platform, *LOADED_MODELS, AuditEvent):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    steps["analyze"] = time.perf_counter() - mark
    return Dataset(
        accounts=accounts,
        platform_id=platform.pk,
        admin_user_id=admin.pk,
        staff_user_id=staff.pk,
        details_account=details,
        plain_account=plain,
        load_seconds=time.perf_counter() - started,
        load_steps={k: round(v, 1) for k, v in steps.items()},
    )


def _drop_secondary(models) -> list[str]:
    """Drop the secondary indexes and foreign keys of `models`' tables; returns the statements
    that recreate them. Primary keys and unique constraints stay (COPY must still refuse a
    duplicate)."""
    restore: list[str] = []
    with db.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                """
                SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname
                """,
                [table],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            cursor.execute(
                """
                SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i
                JOIN pg_class c ON c.oid = i.indexrelid
                WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
                ORDER BY c.relname
                """,
                [table],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f'DROP INDEX "{name}"')
                # Indexes before constraints: the foreign keys validate faster with them in place.
                restore.insert(0, definition)
    return restore


def _restore(statements: list[str], *, log) -> None:
    with db.cursor() as cursor:
        for statement in statements:
            mark = time.perf_counter()
            cursor.execute(statement)
            log(f"  {time.perf_counter() - mark:6.1f} s  {statement[:110]}")


# The rows -------------------------------------------------------------------------------------


def _text(value) -> str:
    """A value in COPY's text format."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value)
    if isinstance(value, int | float | Decimal):
        return str(value)
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class _Rows:
    """COPY rows of one model: the given columns in order, every other column at its default
    (so a column added later with a default does not break the load)."""

    def __init__(self, model, columns: list[str], now: datetime, freeze: bool):
        fields = {f.column: f for f in model._meta.concrete_fields}
        missing = [c for c in columns if c not in fields]
        if missing:
            raise ValueError(f"{model.__name__} has no column {missing}")
        # The primary key, when not given, comes from its sequence.
        rest = [c for c, f in fields.items() if c not in columns and not f.primary_key]
        suffix = []
        for column in rest:
            field = fields[column]
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                suffix.append(_text(now))
            else:
                suffix.append(_text(field.get_default()))
        names = ", ".join(f'"{c}"' for c in [*columns, *rest])
        self.sql = f"COPY {model._meta.db_table} ({names}) FROM STDIN" + (" WITH (FREEZE)" if freeze else "")
        self.suffix = "".join("\t" + s for s in suffix) + "\n"
        self.lines: list[str] = []

    def add(self, *values: str) -> None:
        self.lines.append("\t".join(values) + self.suffix)

    def flush(self, cursor) -> int:
        count = len(self.lines)
        if count:
            with cursor.copy(self.sql) as copy:
                copy.write("".join(self.lines))
            self.lines = []
        return count


def _public_id(rng: random.Random, prefix: str) -> str:
    return prefix + base64.b64encode(rng.randbytes(18)).translate(ID_TABLE).decode()


ACCOUNT_COLUMNS = [
    "id",
    "public_id",
    "country",
    "default_currency",
    "email",
    "business_type",
    "name",
    "url",
    "mcc",
    "product_description",
    "legal_name",
    "phone",
    "address_line1",
    "address_city",
    "address_state",
    "address_postal_code",
    "tax_id_provided",
    "owners_provided",
    "connected_platforms_count",
    "created_at",
]
CONNECTION_COLUMNS = [
    "id",
    "platform_id",
    "account_id",
    "livemode",
    "dashboard_type",
    "fees_payer",
    "losses_payments",
    "requirement_collection",
    "lifecycle_state",
    "details_submitted",
    "charges_enabled",
    "payouts_enabled",
    "disabled_reason",
    "currently_due_count",
    "past_due_count",
    "eventually_due_count",
    "pending_verification_count",
    "current_deadline",
    "actions_required",
    "status",
    "metadata",
    "created_at",
    "connected_at",
    "updated_at",
    "last_activity_at",
    "removed_at",
    "verifications_held_at",
    "tos_accepted_at",
    "tos_ip",
]
PERSON_COLUMNS = [
    "public_id",
    "account_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "dob",
    "address_line1",
    "address_city",
    "address_postal_code",
    "address_country",
    "is_representative",
    "is_owner",
    "is_account_individual",
    "title",
    "percent_ownership",
    "verification_status",
    "created_at",
]
CAPABILITY_COLUMNS = ["connection_id", "name", "requested", "requested_at", "status", "disabled_reason"]
REQUIREMENT_COLUMNS = [
    "platform_id",
    "connection_id",
    "path",
    "group",
    "currently_due",
    "eventually_due",
    "past_due",
    "pending_verification",
    "deadline",
    "first_due_at",
    "capabilities",
]
CAPABILITY_STATE = {
    # status -> (capability status, capability disabled_reason, connection disabled_reason)
    "enabled": ("active", "", ""),
    "restricted_soon": ("active", "", ""),
    "restricted": ("inactive", "requirements.fields_needed", "requirements.past_due"),
    "in_review": ("pending", "pending.review", "requirements.pending_verification"),
    "invited": ("inactive", "pending.onboarding", "action_required.requested_capabilities"),
    "rejected": ("disabled", "rejected.other", "rejected.other"),
}


def _copy_accounts(platform_id: int, total: int, now: datetime, *, log) -> None:
    rng = random.Random(SEED)
    freeze = True
    accounts = _Rows(Account, ACCOUNT_COLUMNS, now, freeze)
    connections = _Rows(Connection, CONNECTION_COLUMNS, now, freeze)
    persons = _Rows(Person, PERSON_COLUMNS, now, freeze)
    capabilities = _Rows(Capability, CAPABILITY_COLUMNS, now, freeze)
    requirements = _Rows(Requirement, REQUIREMENT_COLUMNS, now, freeze)
    start = now - timedelta(days=HISTORY_DAYS)
    step = (now - timedelta(hours=2) - start) / max(total, 1)
    platform = str(platform_id)
    counts = dict.fromkeys(("accounts", "persons", "capabilities", "requirements"), 0)
    mark = time.perf_counter()
    with db.cursor() as cursor:
        for lo in range(0, total, CHUNK):
            for i in range(lo, min(lo + CHUNK, total)):
                _one_account(
                    i,
                    rng,
                    now,
                    start,
                    step,
                    platform,
                    accounts,
                    connections,
                    persons,
                    capabilities,
                    requirements,
                )
            counts["accounts"] += accounts.flush(cursor)
            connections.flush(cursor)
            counts["persons"] += persons.flush(cursor)
            counts["capabilities"] += capabilities.flush(cursor)
            counts["requirements"] += requirements.flush(cursor)
            if (lo // CHUNK) % 8 == 7 or lo + CHUNK >= total:
                rate = counts["accounts"] / (time.perf_counter() - mark)
                log(f"  {counts['accounts']:>9,} accounts copied ({rate:,.0f}/s)")
    log("  rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))


def _one_account(
    i, rng, now, start, step, platform, accounts, connections, persons, capabilities, requirements
) -> None:
    pk = str(i + 1)
    country, _, currency, suffix, city, state, postcode = COUNTRY_POOL[rng.randrange(len(COUNTRY_POOL))]
    lifecycle, status = STATE_POOL[rng.randrange(len(STATE_POOL))]
    business_type = BUSINESS_TYPES[rng.randrange(len(BUSINESS_TYPES))]
    dashboard, fees, losses, collection = ACCESS[rng.randrange(len(ACCESS))]
    first, last = FIRST_NAMES[rng.randrange(len(FIRST_NAMES))], LAST_NAMES[rng.randrange(len(LAST_NAMES))]
    trade = TRADES[rng.randrange(len(TRADES))]
    if business_type == "individual":
        name = f"{first} {last} {trade}"
        legal = f"{first} {last}"
        slug = f"{first}{last}".lower()
    else:
        words = f"{ADJECTIVES[rng.randrange(len(ADJECTIVES))]} {NOUNS[rng.randrange(len(NOUNS))]}"
        name = f"{words} {trade}"
        legal = f"{name} {suffix}"
        slug = f"{words}{trade}".lower().replace(" ", "")
    email = f"{first.lower()}.{last.lower()}{i}@{slug}.example"
    created = start + step * i + timedelta(microseconds=rng.randrange(1_000_000))
    created_text = created.isoformat()
    accounts.add(
        pk,
        _public_id(rng, "acct_"),
        country,
        currency,
        email,
        business_type,
        name,
        f"https://{slug}.example",
        MCCS[rng.randrange(len(MCCS))],
        f"{trade} by {name}",
        legal,
        "+15555550100",
        f"{1 + i % 900} Main Street",
        city,
        state,
        postcode,
        "f" if lifecycle == "invited" else "t",
        "f" if lifecycle == "invited" else "t",
        "1",
        created_text,
    )

    invited = lifecycle == "invited"
    cap_status, cap_reason, disabled_reason = CAPABILITY_STATE[
        status if lifecycle != "removed" else "enabled"
    ]
    connected = None if invited else created + timedelta(minutes=5 + rng.randrange(600))
    connected_text = _text(connected)
    last_activity = held = None
    if lifecycle == "active":
        age = timedelta(seconds=rng.randrange(900 * 86400))
        if rng.random() < 0.0002:
            # Active again after a hold: the sweep releases it.
            age = timedelta(seconds=rng.randrange(86400))
            held = now - timedelta(days=30)
        last_activity = max(now - age, connected)
    # Yesterday's sweep held what was inactive then (rejected accounts never had any activity).
    reference = last_activity or connected
    if (
        lifecycle in ("active", "rejected")
        and held is None
        and now - reference > timedelta(days=INACTIVITY_DAYS + 1)
    ):
        held = reference + timedelta(days=INACTIVITY_DAYS)
    deadline = None
    due = past = eventually = pending = 0
    paths: list[tuple[str, str, bool, bool, bool, bool, str]] = []
    person_head = "individual" if business_type == "individual" else "representative"
    document = f"{person_head}.verification.document"
    if status in ("restricted_soon", "invited") and lifecycle != "removed":
        # Due with a deadline ahead; the last hour's deadlines have just passed (the hourly sweep's work).
        deadline = now + timedelta(seconds=rng.randrange(-3600, 30 * 86400))
        first_due = deadline - timedelta(days=30)
        due_paths = (
            ["business_type", "tos_acceptance.date", "external_account"]
            if invited
            else [
                "company.tax_id" if business_type != "individual" else "individual.dob",
                f"{person_head}.phone",
            ]
        )
        for path in due_paths:
            paths.append((path, "currently_due", True, True, False, False, deadline.isoformat(), first_due))
        due = eventually = len(due_paths)
    elif status == "restricted" and lifecycle != "removed":
        passed = now - timedelta(days=1 + rng.randrange(200))
        for path in (f"{person_head}.dob", "external_account"):
            paths.append(
                (path, "past_due", True, True, True, False, passed.isoformat(), passed - timedelta(days=30))
            )
        due = past = eventually = 2
    elif status == "in_review" and lifecycle != "removed":
        paths.append(
            (f"{person_head}.address.line1", "pending_verification", False, False, False, True, r"\N", None)
        )
        pending = 1
    if lifecycle in ("active", "removed") and status != "restricted":
        paths.append((document, "eventually_due", False, True, False, False, r"\N", None))
        eventually += 1
    metadata = (
        f'{{"order_ref": "A-{i:07d}", "seller_id": "sel_{(i * 7919) % 100_000_000:08d}", '
        f'"tier": "{TIERS[rng.randrange(len(TIERS))]}"'
    )
    if i % 3 == 0:
        metadata += f', "region": "{REGIONS[i % 5]}"'
    metadata += "}"
    removed = lifecycle == "removed"
    connections.add(
        pk,
        platform,
        pk,
        "t",
        dashboard,
        fees,
        losses,
        collection,
        lifecycle,
        "f" if invited else "t",
        "t" if status in ("enabled", "restricted_soon") and not invited else "f",
        "t" if status in ("enabled", "restricted_soon") and not invited else "f",
        disabled_reason,
        str(due),
        str(past),
        str(eventually),
        str(pending),
        _text(None if removed else deadline),
        "t" if (due or past) and not removed else "f",
        status,
        metadata,
        created_text,
        connected_text,
        created_text,
        _text(last_activity),
        _text(now - timedelta(days=rng.randrange(1, 60)) if removed else None),
        _text(held),
        connected_text,
        "203.0.113.7" if connected else r"\N",
    )
    for cap in ("card_payments", "transfers"):
        capabilities.add(pk, cap, "t", created_text, cap_status, cap_reason)
    for path, group, cur, ev, pd, pv, dl, first_due in paths:
        requirements.add(
            platform,
            pk,
            path,
            group,
            "t" if cur else "f",
            "t" if ev else "f",
            "t" if pd else "f",
            "t" if pv else "f",
            dl,
            _text(first_due),
            BOTH,
        )
    verified = "verified" if status in ("enabled", "restricted_soon") else "unverified"
    dob = date(1950 + rng.randrange(50), 1 + rng.randrange(12), 1 + rng.randrange(28)).isoformat()
    if business_type == "individual":
        persons.add(
            _public_id(rng, "person_"),
            pk,
            first,
            last,
            email,
            "+15555550101",
            dob,
            "1 Main Street",
            city,
            postcode,
            country,
            "f",
            "f",
            "t",
            "",
            r"\N",
            verified,
            created_text,
        )
    else:
        owns = rng.random() < 0.5
        persons.add(
            _public_id(rng, "person_"),
            pk,
            first,
            last,
            email,
            "+15555550101",
            dob,
            "1 Main Street",
            city,
            postcode,
            country,
            "t",
            "t",
            "f",
            "CEO",
            "60" if owns else "100",
            verified,
            created_text,
        )
        if owns:
            other_first = FIRST_NAMES[rng.randrange(len(FIRST_NAMES))]
            other_last = LAST_NAMES[rng.randrange(len(LAST_NAMES))]
            persons.add(
                _public_id(rng, "person_"),
                pk,
                other_first,
                other_last,
                f"{other_first.lower()}.{other_last.lower()}{i}@{slug}.example",
                "+15555550102",
                dob,
                "2 Main Street",
                city,
                postcode,
                country,
                "f",
                "t",
                "f",
                "Partner",
                "40",
                verified,
                created_text,
            )


# Operators and the two accounts the details figure opens --------------------------------------


def _operators(platform: Platform) -> tuple[User, User]:
    admin, _ = User.objects.get_or_create(email=ADMIN_EMAIL, defaults={"full_name": "Bench Admin"})
    staff, _ = User.objects.get_or_create(
        email=STAFF_EMAIL, defaults={"full_name": "Bench Staff", "is_staff": True, "is_superuser": True}
    )
    for user in (admin, staff):
        user.set_unusable_password()  # the bench signs in with force_login only
        user.save()
    membership = Membership.objects.create(user=admin, platform=platform)
    # The data migration ships the role; a flushed test database may have lost it.
    definition = next(r for r in DEFAULT_ROLES if r["slug"] == "admin")
    role, _ = Role.objects.get_or_create(slug="admin", defaults=definition)
    membership.roles.set([role])
    return admin, staff


def _details_account(
    platform: Platform, now: datetime, *, persons: int, requirements: int, events: int, role: str
) -> str:
    """An enabled-soon-restricted company with `persons` persons (one representative, the rest
    owners), `requirements` requirement rows and `events` audit events."""
    rng = random.Random(f"{SEED}-{role}")
    created = now - timedelta(days=HISTORY_DAYS // 2)
    account = Account.objects.create(
        public_id=_public_id(rng, "acct_"),
        country="US",
        default_currency="usd",
        email=f"owner.{role}@bench-details.example",
        business_type="company",
        name=f"Bench {role.title()} Roasters",
        legal_name=f"Bench {role.title()} Roasters LLC",
        url="https://bench-details.example",
        mcc="5812",
        product_description="Coffee beans, roasted to order.",
        phone="+15555550100",
        address_line1="500 Market Street",
        address_city="San Francisco",
        address_state="CA",
        address_postal_code="94103",
        tax_id_provided=True,
        owners_provided=True,
        connected_platforms_count=1,
        created_at=created,
    )
    deadline = now + timedelta(days=12)
    connection = Connection.objects.create(
        platform=platform,
        account=account,
        livemode=LIVEMODE,
        dashboard_type="express",
        fees_payer="application_express",
        losses_payments="application",
        requirement_collection="stripe",
        lifecycle_state="active",
        details_submitted=True,
        charges_enabled=True,
        payouts_enabled=True,
        currently_due_count=1,
        eventually_due_count=1,
        current_deadline=deadline,
        actions_required=True,
        status="restricted_soon",
        metadata={"bench_role": role, "order_ref": f"B-{role}", "tier": "gold"},
        created_at=created,
        connected_at=created + timedelta(minutes=7),
        last_activity_at=now - timedelta(days=2),
        tos_accepted_at=created + timedelta(minutes=7),
        tos_ip="203.0.113.9",
    )
    for name in ("card_payments", "transfers"):
        Capability.objects.create(connection=connection, name=name, requested_at=created, status="active")
    people = []
    for n in range(persons):
        people.append(
            Person.objects.create(
                account=account,
                first_name=FIRST_NAMES[n],
                last_name=LAST_NAMES[n],
                email=f"{FIRST_NAMES[n].lower()}@bench-details.example",
                phone="+15555550103",
                dob=date(1980, 1 + n, 1 + n),
                address_line1="500 Market Street",
                address_city="San Francisco",
                address_postal_code="94103",
                address_country="US",
                is_representative=n == 0,
                is_owner=True,
                title="CEO" if n == 0 else "Partner",
                percent_ownership=Decimal(100 // persons),
                verification_status="verified",
                created_at=created,
            )
        )
    ExternalAccount.objects.create(
        account=account,
        kind="bank_account",
        country="US",
        currency="usd",
        last4="6789",
        account_holder_name=account.legal_name,
        bank_name="STRIPE TEST BANK",
        routing_number="110000000",
        default_for_currency=True,
        status="verified",
    )
    paths = ["company.tax_id"]
    for person in people[1:]:
        paths += [f"{person.public_id}.dob", f"{person.public_id}.address.line1"]
    paths += [
        "representative.verification.document",
        "representative.id_number",
        "company.phone",
        "business_profile.url",
        "company.directors_provided",
        "representative.relationship.title",
    ]
    rows = []
    for n, path in enumerate(paths[:requirements]):
        due = n == 0 or n % 3 == 1
        rows.append(
            Requirement(
                platform=platform,
                connection=connection,
                path=path,
                group="currently_due" if due else "eventually_due",
                currently_due=due,
                eventually_due=True,
                deadline=deadline if due else None,
                first_due_at=deadline - timedelta(days=30) if due else None,
                capabilities=["card_payments", "transfers"],
            )
        )
    Requirement.objects.bulk_create(rows)
    due = sum(1 for r in rows if r.currently_due)
    Connection.objects.filter(pk=connection.pk).update(
        currently_due_count=due, eventually_due_count=len(rows)
    )
    actions = [
        "account.created",
        "account.updated",
        "person.created",
        "person.updated",
        "capability.requested",
        "transfer.created",
        "payout.created",
        "link.created",
    ]
    AuditEvent.objects.bulk_create(
        AuditEvent(
            public_id=_public_id(rng, "evt_"),
            platform=platform,
            actor_label="ops@bench.invalid",
            action=actions[n % len(actions)],
            object_type="account",
            object_id=account.public_id,
            account_public_id=account.public_id,
            livemode=LIVEMODE,
            after={"n": n},
            created_at=created + timedelta(days=n),
        )
        for n in range(events)
    )
    return account.public_id
