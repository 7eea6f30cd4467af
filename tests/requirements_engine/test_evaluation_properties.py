"""Property-based checks of the evaluation (Hypothesis)."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from requirements_engine.evaluation import Facts, PersonFacts, Verification, evaluate
from requirements_engine.rules import load

RULES = load()
ALL_FIELDS = sorted({r.field for r in (*RULES.rules, *RULES.future_rules)})
ACCOUNT_FIELDS = [f for f in ALL_FIELDS if not f.startswith(("individual.", "representative.", "owners.", "directors."))]
PERSON_FIELDS = sorted({f.split(".", 1)[1] for f in ALL_FIELDS if f.startswith(("individual.", "representative."))})
BASE = datetime(2026, 1, 1, tzinfo=UTC)

persons = st.lists(
    st.builds(
        PersonFacts,
        key=st.sampled_from(["person_a", "person_b", "person_c"]),
        provided=st.frozensets(st.sampled_from(PERSON_FIELDS)),
        is_individual=st.booleans(),
        is_representative=st.booleans(),
        is_owner=st.booleans(),
        is_director=st.booleans(),
        percent_ownership=st.one_of(st.none(), st.floats(min_value=0, max_value=100)),
    ),
    max_size=3,
)
paths = st.sampled_from(ALL_FIELDS + ["person_a.dob", "person_b.verification.document"])
verifications = st.dictionaries(
    paths,
    st.builds(Verification, status=st.sampled_from(["pending", "verified", "failed"]),
              code=st.sampled_from(["", "verification_failed_tax_id_match"])),
    max_size=6,
)
facts = st.builds(
    Facts,
    country=st.sampled_from(["US", "GB", "FR", "DE", "CA", "JP", "NZ"]),
    business_type=st.sampled_from(["", "individual", "company", "non_profit", "government_entity"]),
    requested=st.frozensets(st.sampled_from(["card_payments", "transfers", "card_issuing"])),
    provided=st.frozensets(st.sampled_from(ACCOUNT_FIELDS)),
    persons=persons.map(tuple),
    verifications=verifications,
    first_due=st.dictionaries(paths, st.integers(0, 900).map(lambda d: BASE + timedelta(days=d)), max_size=6),
    details_submitted=st.booleans(),
    volume_reached=st.booleans(),
    held=st.booleans(),
    payments_paused=st.booleans(),
    payouts_paused=st.booleans(),
    rejected_reason=st.sampled_from(["", "rejected.fraud"]),
)
moments = st.integers(0, 1200).map(lambda d: BASE + timedelta(days=d))


@settings(max_examples=150, deadline=None)
@given(facts, moments)
def test_the_evaluation_is_deterministic(case, now):
    assert evaluate(case, RULES, now) == evaluate(case, RULES, now)


@settings(max_examples=150, deadline=None)
@given(facts, moments)
def test_no_field_is_in_two_exclusive_groups(case, now):
    result = evaluate(case, RULES, now)
    past, current, eventual = set(result.past_due), set(result.currently_due), set(result.eventually_due)
    pending, future = set(result.pending_verification), set(result.future_eventually_due)
    assert past <= current <= eventual  # the lists nest (domain.md §3.5)
    assert not (pending & eventual)
    assert not (future & (eventual | pending))
    assert len({i.path for i in result.items}) == len(result.items)  # each field once


@settings(max_examples=100, deadline=None)
@given(facts, moments)
def test_capability_statuses_and_flags_are_consistent(case, now):
    result = evaluate(case, RULES, now)
    assert set(result.capabilities) == set(case.requested)
    for capability in result.capabilities.values():
        assert capability.status in {"active", "inactive", "pending", "disabled"}
        assert (capability.status == "active") == (capability.disabled_reason == "")
    if result.charges_enabled:
        assert result.capabilities["card_payments"].status == "active"
    if result.past_due:
        assert not result.payouts_enabled
    assert result.current_deadline is None or result.current_deadline > now
