"""The one catalogue of requirement field paths (data/fields.json) and of capabilities
(data/capabilities.json).

For every path: its plain-language title, who may provide it, the form field that collects it, its
validation per country, the onboarding step that asks for it, the stored facts that mark it provided
and its test-mode magic values. Onboarding, remediation forms, labels, verification and the
requirements engine's facts all read it; none keeps a map of its own. `rules.json` (in
requirements_engine) says *when* a path is required; this says everything else. It lives in
accounts, the lowest app that reads it (accounts never imports the engine).
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
PERSON_GROUPS = ("individual", "representative", "owners", "directors")
COMPANY_TYPES = frozenset({"company", "non_profit", "government_entity"})


@dataclass(frozen=True)
class Field:
    """One requirement path (account paths whole, person paths relative: "dob", "address.line1")."""

    path: str
    title: str
    label: str
    form: str  # the form field that collects it
    widget: str = "text"  # text, tel, email, url, date, textarea, business_type, mcc, attestation, document, terms, external_account
    step: str = ""  # account fields only; person fields take their group's step
    provided_by: tuple[str, ...] = ()  # attributes whose value marks the path provided
    providers: frozenset[str] = frozenset({"holder", "operator"})
    validate: str = ""  # a validator of accounts.validation.VALIDATORS
    max_length: int = 100
    secret: bool = False  # write-only: kept as a "provided" flag (tax ids, SSN)
    optional: bool = False  # shown on its step but never required there
    checked: bool = False  # the provider verifies it (magic values in test mode, review queue live)
    identity: bool = False  # counts toward a person's verification status
    help: str = ""
    why: str = ""
    attrs: dict[str, str] = field(default_factory=dict)  # autocomplete, inputmode, placeholder
    test_mode: dict[str, Any] = field(default_factory=dict)

    def magic_values(self) -> frozenset[str]:
        return frozenset(self.test_mode.get("values", {}))


@dataclass(frozen=True)
class Capability:
    name: str
    label: str
    countries: frozenset[str] | None = None
    needs: tuple[str, ...] = ()
    requirements_of: tuple[str, ...] = ()
    permanent: bool = False
    core: bool = False
    primary: bool = False
    display_only: bool = False

    def allowed_in(self, country: str) -> bool:
        return not self.display_only and (self.countries is None or country in self.countries)


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    intro: str
    kind: str = ""  # "individual" or "company": only for that kind of business


@dataclass(frozen=True)
class Catalogue:
    account: dict[str, Field]
    person: dict[str, Field]
    groups: dict[str, dict[str, str]]
    steps: dict[str, Step]
    countries: dict[str, dict[str, Any]]
    test_cards: dict[str, str]
    capabilities: dict[str, Capability]


_FIELD_KEYS = {"title", "label", "form", "widget", "step", "validate", "max_length", "secret", "optional", "checked",
               "identity", "help", "why", "test_mode"}
_ATTR_KEYS = {"autocomplete", "inputmode", "placeholder"}


def _field(path: str, raw: dict) -> Field:
    unknown = set(raw) - _FIELD_KEYS - _ATTR_KEYS - {"provided_by", "providers"}
    if unknown:
        raise ValueError(f"fields.json: {path} has unknown keys {sorted(unknown)}")
    return Field(
        path=path, provided_by=tuple(raw.get("provided_by", ())),
        providers=frozenset(raw.get("providers", ("holder", "operator"))),
        attrs={k: raw[k] for k in _ATTR_KEYS if k in raw}, **{k: raw[k] for k in _FIELD_KEYS if k in raw},
    )


def parse(fields: dict, capabilities: dict) -> Catalogue:
    return Catalogue(
        account={path: _field(path, raw) for path, raw in fields["account_fields"].items()},
        person={path: _field(path, raw) for path, raw in fields["person_fields"].items()},
        groups=fields["person_groups"],
        steps={s["slug"]: Step(s["slug"], s["title"], s["intro"], s.get("for", "")) for s in fields["steps"]},
        countries=fields["countries"],
        test_cards={k: v for k, v in fields["test_cards"].items() if not k.startswith("_")},
        capabilities={
            name: Capability(
                name=name, label=raw["label"], countries=frozenset(raw["countries"]) if "countries" in raw else None,
                needs=tuple(raw.get("needs", ())), requirements_of=tuple(raw.get("requirements_of", ())),
                permanent=bool(raw.get("permanent")), core=bool(raw.get("core")), primary=bool(raw.get("primary")),
                display_only=bool(raw.get("display_only")),
            )
            for name, raw in capabilities.items() if not name.startswith("_")
        },
    )


@lru_cache(maxsize=1)
def load() -> Catalogue:
    return parse(json.loads((DATA / "fields.json").read_text()), json.loads((DATA / "capabilities.json").read_text()))


# --- paths ---------------------------------------------------------------------------------

def split(path: str) -> tuple[str, str] | None:
    """A person path's (group or person id, relative path); None for an account path."""
    head, _, rest = path.partition(".")
    if head in PERSON_GROUPS or head.startswith("person_"):
        return head, rest
    return None


def person_prefix(person) -> str:
    """The path prefix of a person's fields: individual, representative, or its own id."""
    if person.is_account_individual:
        return "individual"
    if person.is_representative:
        return "representative"
    return person.public_id


def lookup(path: str) -> Field | None:
    """The catalogue entry of any concrete or rule path ("company.tax_id", "owners.dob", "person_x.dob")."""
    catalogue = load()
    if path in catalogue.account:
        return catalogue.account[path]
    parts = split(path)
    return catalogue.person.get(parts[1]) if parts else None


@lru_cache(maxsize=2)
def paths_by_form(kind: str) -> dict[str, str]:
    """Form field name -> path, for "account" or "person" fields (what a saved form submitted)."""
    fields = load().account if kind == "account" else load().person
    return {entry.form: path for path, entry in fields.items() if entry.widget not in ("document", "terms")}


def step_of(path: str) -> str:
    parts = split(path)
    if parts is None:
        entry = load().account.get(path)
        return entry.step if entry else ""
    group = parts[0] if parts[0] in PERSON_GROUPS else "person"
    return load().groups[group]["step"]


def title(path: str, names: dict[str, str] | None = None) -> str:
    """The plain-language title the Actions required list shows (never a raw path alone)."""
    catalogue = load()
    if path in catalogue.account:
        return catalogue.account[path].title
    parts = split(path)
    if parts is None:
        return path.replace("_", " ").replace(".", " › ").capitalize()
    head, rest = parts
    entry = catalogue.person.get(rest)
    what = entry.title if entry else rest.replace("_", " ").replace(".", " ")
    group = head if head in PERSON_GROUPS else "person"
    return catalogue.groups[group]["title"].format(field=what, name=(names or {}).get(head) or "A person")


def why(path: str) -> str:
    entry = lookup(path)
    if entry is not None and entry.why:
        return entry.why
    if entry is not None and entry.identity:
        return "Identity details are checked to verify the people behind the account, as financial regulations require."
    if ".address." in path:
        return "The address is checked as part of verifying the account."
    return "This information is required for the capabilities the account requested."


def may_provide(path: str, who: str) -> bool:
    """who: "holder" or "operator"."""
    entry = lookup(path)
    return entry is not None and who in entry.providers


# --- what an account provided ---------------------------------------------------------------

@lru_cache(maxsize=2)
def _provided_specs(kind: str) -> tuple[tuple[str, tuple[str, ...], Callable[[Any], Any]], ...]:
    """(path, the attributes that mark it provided, a test of whether one of them is set): the
    sweeps run the tests for a thousand accounts a batch, so each is built once."""
    fields = load().account if kind == "account" else load().person
    return tuple((path, entry.provided_by, _any_set(entry.provided_by)) for path, entry in fields.items())


def _any_set(attributes: tuple[str, ...]) -> Callable[[Any], Any]:
    if len(attributes) == 1:
        return attrgetter(attributes[0])
    values = attrgetter(*attributes)
    return lambda obj: any(values(obj))


def person_provided(person, documents: set[str] = frozenset(), group: str = "") -> set[str]:
    """Relative paths a person provided ("dob", "verification.document", …). `documents` holds the
    document paths uploaded for the account; `group` is the person's path prefix (default: its own,
    `person_prefix`)."""
    prefix = group or person_prefix(person)
    provided = set()
    for rel, attributes, is_set in _provided_specs("person"):
        if attributes == ("documents",):
            if documents and f"{prefix}.{rel}" in documents:
                provided.add(rel)
        elif is_set(person):
            provided.add(rel)
    return provided


def account_provided(connection) -> set[str]:
    """Account paths the account's data holds (reads account.external_accounts.all(), prefetchable)."""
    account = connection.account
    provided = set()
    for path, attributes, is_set in _provided_specs("account"):
        if attributes == ("external_accounts",):
            if any(True for _ in account.external_accounts.all()):
                provided.add(path)
        elif attributes == ("tos_accepted_at",):
            if connection.tos_accepted_at:
                provided.add(path)
        elif is_set(account):
            provided.add(path)
    return provided


# --- per-country formats -------------------------------------------------------------------

def country_format(country: str, name: str) -> Any:
    """A country's entry `name`: a format (postal_code, state, tax_id, id_number, routing_number,
    account_number) or a setting (payout_minimum_delay_days), falling back to the default; None
    where the country has no such field."""
    countries = load().countries
    spec = countries.get(country, {})
    if name in spec:
        return spec[name]
    return countries["default"].get(name)


def has_states(country: str) -> bool:
    return "state" in load().countries.get(country, {})


def normalize(value: str, how: str | None) -> str:
    if how == "digits":
        return re.sub(r"[\s\-.]", "", value)
    if how == "upper":
        return re.sub(r"[\s\-.]", "", value).upper()
    return value.strip()


def is_magic(path: str, value) -> bool:
    """A test-mode magic value of this path (domain.md §10): accepted before format checks."""
    entry = lookup(path)
    if entry is None or not entry.test_mode:
        return False
    return _match_key(entry.test_mode.get("match", "text"), value) in entry.magic_values()


def _match_key(how: str, value) -> str:
    text = value.isoformat() if hasattr(value, "isoformat") else str(value).strip()
    if how == "digits":
        return "".join(ch for ch in text if ch.isdigit())
    if how == "host":
        return text.removeprefix("https://").removeprefix("http://").split("/")[0].lower()
    return text


def test_mode_outcome(path: str, value) -> dict[str, Any]:
    """What a test-mode check of this value yields: {"status": …, "code"?, "later"?, "hold"?,
    "sanctions_alert"?}. Values the catalogue doesn't list take its "otherwise" (default: verified)."""
    entry = lookup(path)
    if entry is None or not entry.test_mode:
        return {"status": "verified"}
    spec = entry.test_mode
    key = _match_key(spec.get("match", "text"), value)
    return spec.get("values", {}).get(key) or spec.get("otherwise") or {"status": "verified"}


# --- capabilities --------------------------------------------------------------------------

def capability(name: str) -> Capability | None:
    return load().capabilities.get(name)


def capability_label(name: str) -> str:
    entry = capability(name)
    return entry.label if entry else name.replace("_", " ").capitalize()


def capability_choices(country: str, *, core_only: bool = False) -> list[tuple[str, str]]:
    return [(c.name, c.label) for c in load().capabilities.values()
            if c.allowed_in(country) and (c.core or not core_only)]


@lru_cache(maxsize=256)
def sharing(name: str) -> frozenset[str]:
    """This capability and those whose requirements it shares (its rules are theirs too)."""
    entry = capability(name)
    return frozenset({name, *(entry.requirements_of if entry else ())})


def capability_problem(country: str, requested: set[str], *, before: set[str] = frozenset(),
                       recipient: bool = False) -> str:
    """Why this set of requested capabilities is not allowed ("" when it is): which ones the
    account's country allows, which need another, which are permanent (domain.md §3.4, §7.9)."""
    for name in sorted(requested):
        entry = capability(name)
        if entry is None or not entry.allowed_in(country):
            return f"{capability_label(name)} is not available for accounts in this country."
        for needed in entry.needs:
            if needed not in requested:
                return f"{entry.label} needs {capability_label(needed)} to be requested too."
    for name in sorted(set(before) - set(requested)):
        entry = capability(name)
        if entry is not None and entry.permanent:
            return f"{entry.label} cannot be removed once requested."
    if "card_payments" in requested and recipient:
        return "Accounts on the recipient service agreement cannot request card payments."
    if not requested:
        return "Keep at least one capability: an account with none cannot do anything."
    return ""
