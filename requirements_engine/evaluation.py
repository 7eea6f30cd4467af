"""What an account must still provide, by when, and what follows for its capabilities.

`evaluate` is a pure function of the account's facts (its data, verification results and the
dates items first became due), the rules and the clock: no database, no side effects. The
services gather the facts, call it, and persist the result as rows (domain.md §3.5, §4.2–4.3).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .rules import Rule, RuleSet

PERSON_GROUPS = ("individual", "representative")


@dataclass(frozen=True)
class PersonFacts:
    key: str  # "person_…", used in field paths of existing persons
    provided: frozenset[str]  # relative paths: "first_name", "dob", "address.line1", "verification.document", …
    name: str = ""
    is_individual: bool = False
    is_representative: bool = False
    is_owner: bool = False
    is_director: bool = False
    percent_ownership: float | None = None


@dataclass(frozen=True)
class Verification:
    status: str  # "pending", "verified" or "failed"
    code: str = ""
    reason: str = ""


@dataclass(frozen=True)
class InfoRequestFacts:
    public_id: str
    status: str  # open, submitted, under_review, resolved, rejected, expired
    due_at: datetime | None
    capabilities: frozenset[str]


@dataclass(frozen=True)
class Facts:
    country: str
    business_type: str
    requested: frozenset[str]
    provided: frozenset[str] = frozenset()  # account-level paths (business_type, company.*, business_profile.*, …)
    persons: tuple[PersonFacts, ...] = ()
    verifications: dict[str, Verification] = field(default_factory=dict)
    first_due: dict[str, datetime] = field(default_factory=dict)
    details_submitted: bool = False
    volume_reached: bool = False
    held: bool = False  # inactivity hold: verifications paused (domain.md §7.4)
    payments_paused: bool = False
    payouts_paused: bool = False
    rejected_reason: str = ""  # "rejected.*" or "listed": terminal
    disabled_capabilities: dict[str, str] = field(default_factory=dict)  # name -> rejected.*/platform_disabled
    info_requests: tuple[InfoRequestFacts, ...] = ()


@dataclass(frozen=True)
class Item:
    """One field's place in the requirement hashes."""

    path: str
    capabilities: frozenset[str]
    currently_due: bool = False
    eventually_due: bool = False
    past_due: bool = False
    pending_verification: bool = False
    future: bool = False  # in future_requirements (never restricts anything)
    deadline: datetime | None = None
    first_due_at: datetime | None = None
    error_code: str = ""
    error_reason: str = ""
    alternatives: tuple[str, ...] = ()
    payouts_only: bool = False  # stage P: needed before the first payout


@dataclass(frozen=True)
class CapabilityResult:
    status: str
    disabled_reason: str = ""


@dataclass(frozen=True)
class Evaluation:
    items: tuple[Item, ...]
    capabilities: dict[str, CapabilityResult]
    current_deadline: datetime | None
    future_deadline: datetime | None
    disabled_reason: str
    charges_enabled: bool
    payouts_enabled: bool
    under_review: bool

    def paths(self, attribute: str) -> list[str]:
        """The `requirements` hash list of that name (future items live in future_requirements)."""
        return sorted(item.path for item in self.items if getattr(item, attribute) and not item.future)

    @property
    def currently_due(self) -> list[str]:
        return self.paths("currently_due")

    @property
    def eventually_due(self) -> list[str]:
        return self.paths("eventually_due")

    @property
    def past_due(self) -> list[str]:
        return self.paths("past_due")

    @property
    def pending_verification(self) -> list[str]:
        return self.paths("pending_verification")

    @property
    def errors(self) -> list[dict[str, str]]:
        return [{"requirement": i.path, "code": i.error_code, "reason": i.error_reason} for i in self.items if i.error_code]

    @property
    def future_currently_due(self) -> list[str]:
        return sorted(i.path for i in self.items if i.future and i.currently_due)

    @property
    def future_eventually_due(self) -> list[str]:
        return sorted(i.path for i in self.items if i.future and i.eventually_due)


def _person_groups(persons: tuple[PersonFacts, ...]) -> dict[str, list[PersonFacts]]:
    groups: dict[str, list[PersonFacts]] = {"individual": [], "representative": [], "owners": [], "directors": []}
    for person in persons:
        if person.is_individual:
            groups["individual"].append(person)
            continue
        if person.is_representative:
            groups["representative"].append(person)
        elif person.is_owner and (person.percent_ownership or 0) >= 25:
            groups["owners"].append(person)
        if person.is_director and not person.is_representative:
            groups["directors"].append(person)
    return groups


def _expand(rule_field: str, groups: dict[str, list[PersonFacts]]) -> list[tuple[str, PersonFacts | None, str]]:
    """Concrete paths of a rule field: (path, person it concerns or None, relative path)."""
    head, _, rest = rule_field.partition(".")
    if head in PERSON_GROUPS:
        people = groups[head]
        return [(rule_field, people[0] if people else None, rest)]
    if head in ("owners", "directors"):
        # Placeholders only expand for persons that exist; the attestations
        # (company.owners_provided / directors_provided) stand for the ones not yet listed.
        return [(f"{person.key}.{rest}", person, rest) for person in groups[head]]
    return [(rule_field, None, "")]


def _is_provided(path: str, person: PersonFacts | None, relative: str, facts: Facts) -> bool:
    if person is not None:
        return relative in person.provided
    head = path.partition(".")[0]
    if head in PERSON_GROUPS:
        return False  # the person does not exist yet
    return path in facts.provided


# The rules of a tuple that apply to an account, each with the requested capabilities it affects,
# by (tuple, country, business type, requested capabilities): the same few combinations come up
# for every account, and the sweeps evaluate a thousand accounts a batch. Each entry keeps its
# tuple, so that the tuple's id cannot be reused by another while it is cached.
_APPLICABLE: dict[tuple, tuple[tuple[Rule, ...], tuple[tuple[Rule, frozenset[str]], ...]]] = {}


def _applicable(rules: tuple[Rule, ...], facts: Facts) -> tuple[tuple[Rule, frozenset[str]], ...]:
    key = (id(rules), facts.country, facts.business_type, facts.requested)
    found = _APPLICABLE.get(key)
    if found is None or found[0] is not rules:
        if len(_APPLICABLE) >= 10_000:
            _APPLICABLE.clear()
        capabilities = set(facts.requested)
        applicable = []
        for rule in rules:
            affected = rule.affected(country=facts.country, business_type=facts.business_type, capabilities=capabilities)
            if affected:
                applicable.append((rule, affected))
        found = _APPLICABLE[key] = (rules, tuple(applicable))
    return found[1]


def _collect(rules: Iterable[tuple[Rule, frozenset[str]]], groups) -> dict[str, dict]:
    """The concrete paths the applicable rules ask for, each with what the rules say about it."""
    wanted: dict[str, dict] = {}
    for rule, affected in rules:
        for path, person, relative in _expand(rule.field, groups):
            entry = wanted.setdefault(path, {"stages": set(), "capabilities": set(), "alternatives": set(),
                                             "person": person, "relative": relative, "rule": rule})
            entry["stages"].add(rule.stage)
            entry["capabilities"] |= affected
            entry["alternatives"] |= set(rule.alternatives)
    return wanted


def evaluate(facts: Facts, rules: RuleSet, now: datetime) -> Evaluation:
    groups = _person_groups(facts.persons)
    items: list[Item] = []
    failed_prefixes: set[str] = set()
    for path, verification in facts.verifications.items():
        if verification.status == "failed":
            failed_prefixes.add(path.rsplit(".", 1)[0] if "." in path else path)

    # Current rules, plus future rules whose date has come (merged into the requirements).
    merged_from: dict[str, Rule] = {}
    for rule in rules.future_rules:
        if rule.effective_at is not None and rule.effective_at <= now:
            merged_from[rule.field] = rule
    future = _applicable(rules.future_rules, facts)
    merged = [(rule, affected) for rule, affected in future if rule.effective_at is not None and rule.effective_at <= now]
    future_pending = [pair for pair in future if pair not in merged]

    wanted = _collect((*_applicable(rules.rules, facts), *merged), groups)
    for path, entry in sorted(wanted.items()):
        verification = facts.verifications.get(path)
        provided = _is_provided(path, entry["person"], entry["relative"], facts) or not entry[
            "alternatives"
        ].isdisjoint(facts.provided)
        pending = provided and verification is not None and verification.status == "pending"
        failed = verification is not None and verification.status == "failed"
        satisfied = provided and not pending and not failed
        if satisfied:
            continue
        stages = entry["stages"]
        # Eventually-due items become due now past the volume threshold, or when a check on the
        # same person (or the account) failed and a document is what resolves it.
        promoted = "E" in stages and (
            facts.volume_reached
            or (path.endswith("verification.document") and path.rsplit(".verification", 1)[0] in failed_prefixes)
        )
        due_now = bool(stages & {"C", "P"}) or promoted
        if pending and not failed:
            items.append(Item(path=path, capabilities=frozenset(entry["capabilities"]), pending_verification=True))
            continue
        deadline = first_due = None
        past_due = False
        if due_now:
            rule = merged_from.get(entry["rule"].field)
            if rule is not None and path not in facts.first_due:
                first_due = rule.effective_at
                deadline = first_due + timedelta(days=rule.grace_days)
            else:
                first_due = facts.first_due.get(path, now)
                deadline = first_due + rules.deadline
            # While verifications are on hold, requirements stop counting toward deadlines.
            past_due = deadline <= now and not facts.held
        items.append(
            Item(
                path=path,
                capabilities=frozenset(entry["capabilities"]),
                currently_due=due_now,
                eventually_due=True,
                past_due=past_due,
                deadline=deadline,
                first_due_at=first_due,
                error_code=verification.code if failed else "",
                error_reason=verification.reason if failed else "",
                alternatives=tuple(sorted(entry["alternatives"])),
                payouts_only=stages == {"P"},
            )
        )

    # Future requirements: what a known upcoming rule will need; never restricts anything.
    future_deadline = None
    for path, entry in sorted(_collect(future_pending, groups).items()):
        if path in wanted or _is_provided(path, entry["person"], entry["relative"], facts):
            continue  # provided, or already required today by a current rule
        effective = entry["rule"].effective_at
        future_deadline = effective if future_deadline is None else min(future_deadline, effective)
        items.append(Item(path=path, capabilities=frozenset(entry["capabilities"]), future=True,
                          currently_due=bool(entry["stages"] & {"C", "P"}), eventually_due=True, deadline=effective))

    return _conclude(facts, tuple(items), future_deadline, now)


def _conclude(facts: Facts, items: tuple[Item, ...], future_deadline, now: datetime) -> Evaluation:
    present = [i for i in items if not i.future]
    past_due = [i for i in present if i.past_due]
    pending = [i for i in present if i.pending_verification]
    # Deadlines still ahead (while on an inactivity hold, passed ones do not count).
    open_deadlines = [i.deadline for i in present if i.currently_due and not i.past_due and i.deadline and i.deadline > now]
    current_deadline = min(open_deadlines) if open_deadlines else None
    expired_requests = [r for r in facts.info_requests if r.status == "open" and r.due_at and r.due_at <= now]
    under_review = any(r.status == "under_review" for r in facts.info_requests)

    capabilities: dict[str, CapabilityResult] = {}
    for name in sorted(facts.requested):
        affecting_past = [i for i in past_due if name in i.capabilities and not i.payouts_only]
        affecting_pending = [i for i in pending if name in i.capabilities]
        affecting_due = [i for i in present if i.currently_due and name in i.capabilities and not i.payouts_only]
        if facts.rejected_reason or name in facts.disabled_capabilities:
            result = CapabilityResult("disabled", facts.disabled_capabilities.get(name) or facts.rejected_reason)
        elif (name == "card_payments" and facts.payments_paused) or (name == "transfers" and facts.payouts_paused):
            result = CapabilityResult("inactive", "platform_paused")
        elif facts.held and (affecting_due or affecting_pending):
            # The inactivity hold pauses verification work, not the account (domain.md §7.4): only
            # a capability waiting on a held item (due, or in review) is inactive meanwhile.
            result = CapabilityResult("inactive", "paused.inactivity")
        elif not facts.details_submitted:
            result = CapabilityResult("inactive", "pending.onboarding")
        elif affecting_past or any(name in r.capabilities for r in expired_requests):
            result = CapabilityResult("inactive", "requirements.fields_needed")
        elif affecting_pending and not affecting_due:
            result = CapabilityResult("pending", "pending.review")
        else:
            result = CapabilityResult("active")
        capabilities[name] = result

    external_ok = not any(i.path == "external_account" and i.currently_due for i in present)
    charges_enabled = capabilities.get("card_payments", CapabilityResult("unrequested")).status == "active" and not (
        facts.payments_paused
    )
    # Not the inactivity hold: a payout is activity, and activity is what lifts the hold.
    payouts_enabled = (
        facts.details_submitted
        and external_ok
        and not past_due
        and not facts.payouts_paused
        and not facts.rejected_reason
    )
    if facts.rejected_reason:
        reason = facts.rejected_reason
    elif under_review:
        reason = "under_review"
    elif past_due or expired_requests:
        reason = "requirements.past_due"
    elif facts.payments_paused or facts.payouts_paused:
        reason = "platform_paused"
    elif not facts.details_submitted:
        reason = "action_required.requested_capabilities"
    elif pending and not (charges_enabled and payouts_enabled):
        reason = "requirements.pending_verification"
    else:
        reason = ""
    return Evaluation(
        items=items,
        capabilities=capabilities,
        current_deadline=current_deadline,
        future_deadline=future_deadline,
        disabled_reason=reason,
        charges_enabled=charges_enabled,
        payouts_enabled=payouts_enabled,
        under_review=under_review,
    )
