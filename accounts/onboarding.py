"""What onboarding asks for, step by step, driven by requirement field paths.

`needed_paths` lists the field paths (domain.md §3.5) an account must provide before it is
connected: the requirements engine supplies them through `hooks.onboarding_paths` from its rules.
Which step asks for a path, and which stored facts mark it provided, is the field catalogue's
(field_catalogue.py): each step shows exactly the fields whose paths are needed, so adding a rule
adds a field, not code.
"""

from . import field_catalogue as catalogue
from . import hooks
from .field_catalogue import Step
from .models import Account, Connection, ExternalAccount


def steps() -> dict[str, Step]:
    return catalogue.load().steps


def is_company(account: Account) -> bool:
    return account.business_type in catalogue.COMPANY_TYPES


def step_slugs(account: Account) -> list[str]:
    kind = "company" if is_company(account) else "individual" if account.business_type else ""
    return [s.slug for s in steps().values() if not s.kind or s.kind == kind]


def requested_capabilities(connection: Connection) -> set[str]:
    return {c.name for c in connection.capabilities.all() if c.requested}


def needed_paths(connection: Connection) -> set[str]:
    """Concrete paths onboarding asks for (owner and director placeholders, "owners.dob", are
    collected per person on the owners step and attested by company.owners_provided)."""
    for provider in hooks.onboarding_paths:
        paths = provider(connection)
        if paths is not None:
            return set(paths)
    return set()


def provided_paths(connection: Connection) -> set[str]:
    """What the account's data holds, as paths: the account's own and those of its individual and
    representative (existing owners' paths are "person_….field")."""
    account = connection.account
    persons = list(account.persons.all())
    provided = catalogue.account_provided(connection)
    individual = next((p for p in persons if p.is_account_individual), None)
    representative = next((p for p in persons if p.is_representative and not p.is_account_individual), None)
    for group, person in (("individual", individual), ("representative", representative)):
        if person is not None:
            provided |= {f"{group}.{rel}" for rel in catalogue.person_provided(person, group=group)}
    return provided


def missing_paths(connection: Connection) -> set[str]:
    return {p for p in needed_paths(connection) - provided_paths(connection)
            if not p.startswith(("owners.", "directors."))}


def step_paths(step: str, paths: set[str]) -> set[str]:
    return {p for p in paths if catalogue.step_of(p) == step}


def first_incomplete_step(connection: Connection) -> str:
    missing = missing_paths(connection)
    for slug in step_slugs(connection.account):
        if slug == "review":
            return "review"
        if step_paths(slug, missing):
            return slug
    return "review"


def capability_summary(connection: Connection) -> list[str]:
    return [catalogue.capability_label(name) for name in sorted(requested_capabilities(connection))]


def default_external_account(account: Account) -> ExternalAccount | None:
    return next((e for e in account.external_accounts.all() if e.default_for_currency), None)
