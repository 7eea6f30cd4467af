"""The requirement rules, as data (data/rules.json), and which of them apply to an account."""

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from accounts.field_catalogue import COMPANY_TYPES, sharing

RULES_FILE = Path(__file__).resolve().parent / "data" / "rules.json"
STAGES = {"C", "P", "E"}


@dataclass(frozen=True)
class Rule:
    field: str
    stage: str  # "C", "P" or "E"
    capabilities: frozenset[str]
    types: frozenset[str]  # {"individual"}, {"company"} or both
    countries: frozenset[str] | None  # None: every country
    company_only: bool = False  # owners: business_type=company only (not non-profits or government)
    alternatives: tuple[str, ...] = ()
    effective_from: date | None = None  # future rules only
    grace_days: int = 0

    def affected(self, *, country: str, business_type: str, capabilities: set[str]) -> frozenset[str]:
        """The requested capabilities this rule applies to: those it names, and those sharing the
        requirements of one it names (field_catalogue.sharing). Empty: it doesn't apply."""
        if self.countries is not None and country not in self.countries:
            return frozenset()
        kind = "company" if business_type in COMPANY_TYPES else "individual" if business_type == "individual" else ""
        if kind not in self.types:
            return frozenset()
        if self.company_only and business_type != "company":
            return frozenset()
        return frozenset(name for name in capabilities if self.capabilities & sharing(name))

    def applies(self, *, country: str, business_type: str, capabilities: set[str]) -> bool:
        return bool(self.affected(country=country, business_type=business_type, capabilities=capabilities))

    @property
    def effective_at(self) -> datetime | None:
        if self.effective_from is None:
            return None
        return datetime(self.effective_from.year, self.effective_from.month, self.effective_from.day, tzinfo=UTC)


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    future_rules: tuple[Rule, ...]
    deadline_days: int
    volume_threshold: dict[str, int]
    inactivity_days: int

    @property
    def deadline(self) -> timedelta:
        return timedelta(days=self.deadline_days)

    def threshold_for(self, country: str) -> int:
        return self.volume_threshold.get(country, self.volume_threshold["default"])


class RulesError(ValueError):
    pass


def _rule(raw: dict, *, future: bool) -> Rule:
    stage = raw["stage"]
    if stage not in STAGES:
        raise RulesError(f"{raw['field']}: unknown stage {stage!r}")
    countries = raw.get("countries")
    effective = date.fromisoformat(raw["effective_from"]) if future else None
    if future and effective is None:
        raise RulesError(f"{raw['field']}: a future rule needs effective_from")
    return Rule(
        field=raw["field"],
        stage=stage,
        capabilities=frozenset(raw["capabilities"]),
        types=frozenset(raw["types"]),
        countries=frozenset(countries) if countries else None,
        company_only=bool(raw.get("company_only")),
        alternatives=tuple(raw.get("alternatives", ())),
        effective_from=effective,
        grace_days=int(raw.get("grace_days", 0)),
    )


def parse(data: dict) -> RuleSet:
    return RuleSet(
        rules=tuple(_rule(raw, future=False) for raw in data["rules"]),
        future_rules=tuple(_rule(raw, future=True) for raw in data.get("future_rules", ())),
        deadline_days=int(data.get("deadline_days", 30)),
        volume_threshold={k: int(v) for k, v in data.get("volume_threshold", {"default": 1_500_000}).items()},
        inactivity_days=int(data.get("inactivity_days", 540)),
    )


@lru_cache(maxsize=1)
def load() -> RuleSet:
    return parse(json.loads(RULES_FILE.read_text()))
