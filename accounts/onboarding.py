"""What onboarding asks for, step by step, driven by requirement field paths.

`needed_paths` lists the field paths (domain.md §3.5) an account must provide before it is
connected: the requirements engine supplies them through `hooks.onboarding_paths`, and until it
does, `baseline_paths` below (the C and P stages of domain.md §11) stands in. Each step shows
exactly the fields whose paths are needed, so adding a rule adds a field, not code.
`provided_paths` says which of them the account's data already holds.
"""

from dataclasses import dataclass

from . import hooks
from .models import Account, Capability, Connection, ExternalAccount, Person
from .validation import STATE_COUNTRIES

ADDRESS = ("address.line1", "address.city", "address.postal_code")
PERSON_FIELDS = ("first_name", "last_name", "dob", "email", *ADDRESS)


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    intro: str
    # Path prefixes this step collects; a step is complete when none of them is missing.
    prefixes: tuple[str, ...]


STEPS = {
    "business_type": Step("business_type", "Business type", "Tell us what kind of business this is.", ("business_type",)),
    "business_details": Step(
        "business_details",
        "Business details",
        "How customers know the business, and its registered details.",
        ("business_profile.", "company.name", "company.tax_id", "company.phone", "company.address."),
    ),
    "personal_details": Step(
        "personal_details", "Personal details", "Details of the person who owns this account.", ("individual.",)
    ),
    "representative": Step(
        "representative",
        "Representative",
        "The person authorised to act for the business, usually a director or executive.",
        ("representative.",),
    ),
    "owners": Step(
        "owners",
        "Owners and directors",
        "Everyone who owns 25 % or more of the business, and its directors where required.",
        ("owners.", "company.owners_provided", "directors.", "company.directors_provided"),
    ),
    "payout_account": Step(
        "payout_account", "Payout account", "Where payouts go: a bank account or a debit card.", ("external_account",)
    ),
    "review": Step("review", "Review and submit", "Check the details, then agree to the terms.", ("tos_acceptance.",)),
}


def is_company(account: Account) -> bool:
    return account.business_type in ("company", "non_profit", "government_entity")


def step_slugs(account: Account) -> list[str]:
    if not account.business_type:
        return ["business_type", "business_details", "payout_account", "review"]
    if is_company(account):
        return ["business_type", "business_details", "representative", "owners", "payout_account", "review"]
    return ["business_type", "business_details", "personal_details", "payout_account", "review"]


def requested_capabilities(connection: Connection) -> set[str]:
    return {c.name for c in connection.capabilities.all() if c.requested}


def baseline_paths(connection: Connection) -> set[str]:
    """Field paths due at onboarding (stages C and P of domain.md §11) for this account."""
    account = connection.account
    country = account.country
    capabilities = requested_capabilities(connection)
    cards = "card_payments" in capabilities
    paths = {"business_type", "business_profile.url", "external_account", "tos_acceptance.date"}
    if cards:
        paths.add("business_profile.mcc")
    state = {"address.state"} if country in STATE_COUNTRIES else set()
    if account.business_type == "individual":
        paths |= {f"individual.{f}" for f in (*PERSON_FIELDS, *state)}
        if cards:
            paths.add("individual.phone")
        if country == "US":
            paths.add("individual.ssn_last_4")
        if country == "JP":
            paths |= {"individual.first_name_kana", "individual.last_name_kana"}
    elif is_company(account):
        paths |= {"company.name", "company.tax_id"} | {f"company.{a}" for a in (*ADDRESS, *state)}
        if cards:
            paths.add("company.phone")
        if country == "DE":
            paths.add("company.tax_id_registrar")
        if country == "JP":
            paths.add("company.name_kana")
        rep = ("first_name", "last_name", "dob", "email", "phone", "relationship.title", *ADDRESS, *state)
        paths |= {f"representative.{f}" for f in rep}
        if country == "US":
            paths.add("representative.ssn_last_4")
        if country == "JP":
            paths |= {"representative.first_name_kana", "representative.last_name_kana"}
        if account.business_type == "company":
            paths.add("company.owners_provided")
        if country in ("GB", "DE"):
            paths.add("company.directors_provided")
    return paths


def needed_paths(connection: Connection) -> set[str]:
    for provider in hooks.onboarding_paths:
        paths = provider(connection)
        if paths is not None:
            return set(paths)
    return baseline_paths(connection)


def _person_paths(person: Person | None, prefix: str) -> set[str]:
    if person is None:
        return set()
    values = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "first_name_kana": person.first_name_kana,
        "last_name_kana": person.last_name_kana,
        "dob": person.dob,
        "email": person.email,
        "phone": person.phone,
        "address.line1": person.address_line1,
        "address.city": person.address_city,
        "address.state": person.address_state,
        "address.postal_code": person.address_postal_code,
        "relationship.title": person.title,
        "ssn_last_4": person.ssn_last_4_provided or person.id_number_provided,
        "id_number": person.id_number_provided,
    }
    return {f"{prefix}.{key}" for key, value in values.items() if value}


def provided_paths(connection: Connection) -> set[str]:
    account = connection.account
    persons = list(account.persons.all())
    individual = next((p for p in persons if p.is_account_individual), None)
    representative = next((p for p in persons if p.is_representative and not p.is_account_individual), None)
    values = {
        "business_type": account.business_type,
        "business_profile.url": account.url or account.product_description,
        "business_profile.product_description": account.product_description,
        "business_profile.mcc": account.mcc,
        "company.name": account.legal_name if is_company(account) else "",
        "company.name_kana": account.legal_name_kana,
        "company.tax_id": account.tax_id_provided,
        "company.tax_id_registrar": account.tax_id_registrar,
        "company.phone": account.phone,
        "company.address.line1": account.address_line1,
        "company.address.city": account.address_city,
        "company.address.state": account.address_state,
        "company.address.postal_code": account.address_postal_code,
        "company.owners_provided": account.owners_provided,
        "company.directors_provided": account.directors_provided,
        "external_account": any(True for _ in account.external_accounts.all()),
        "tos_acceptance.date": connection.tos_accepted_at,
    }
    provided = {path for path, value in values.items() if value}
    return provided | _person_paths(individual, "individual") | _person_paths(representative, "representative")


def missing_paths(connection: Connection) -> set[str]:
    return needed_paths(connection) - provided_paths(connection)


def step_paths(step: str, paths: set[str]) -> set[str]:
    prefixes = STEPS[step].prefixes
    return {p for p in paths if p.startswith(prefixes) or p in prefixes}


def first_incomplete_step(connection: Connection) -> str:
    missing = missing_paths(connection)
    for slug in step_slugs(connection.account):
        if slug == "review":
            return "review"
        if step_paths(slug, missing):
            return slug
    return "review"


def capability_summary(connection: Connection) -> list[str]:
    return [Capability.LABELS.get(name, name) for name in sorted(requested_capabilities(connection))]


def default_external_account(account: Account) -> ExternalAccount | None:
    return next((e for e in account.external_accounts.all() if e.default_for_currency), None)
