"""The pure evaluation: per country, business type and capability, and every transition."""

from datetime import UTC, datetime, timedelta

import pytest

from requirements_engine.evaluation import (
    CapabilityResult,
    Facts,
    InfoRequestFacts,
    PersonFacts,
    Verification,
    evaluate,
)
from requirements_engine.rules import load

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
RULES = load()
COUNTRIES = ["US", "GB", "FR", "DE", "CA", "JP"]
PERSON_FIELDS = frozenset({"first_name", "last_name", "first_name_kana", "last_name_kana", "dob", "email", "phone",
                           "address.line1", "address.city", "address.state", "address.postal_code",
                           "relationship.title", "ssn_last_4"})


def account_paths(country: str, business_type: str, capabilities: set[str]) -> frozenset[str]:
    """Every account-level field the current rules ask of such an account."""
    return frozenset(
        r.field for r in RULES.rules
        if r.applies(country=country, business_type=business_type, capabilities=capabilities)
        and not r.field.startswith(("individual.", "representative.", "owners.", "directors."))
        and r.stage in ("C", "P")
    )


def facts(country="US", business_type="company", capabilities=("card_payments", "transfers"), *, complete=True, **changes):
    caps = set(capabilities)
    persons = ()
    if complete:
        if business_type == "individual":
            persons = (PersonFacts("person_ind", PERSON_FIELDS, is_individual=True, is_representative=True),)
        else:
            persons = (PersonFacts("person_rep", PERSON_FIELDS, is_representative=True, is_director=True),)
    base = {
        "country": country, "business_type": business_type, "requested": frozenset(caps),
        "provided": account_paths(country, business_type, caps) if complete else frozenset(),
        "persons": persons, "details_submitted": True,
    }
    return Facts(**{**base, **changes})


@pytest.mark.parametrize("country", COUNTRIES)
@pytest.mark.parametrize("business_type", ["individual", "company"])
@pytest.mark.parametrize("capabilities", [("transfers",), ("card_payments", "transfers")])
def test_a_complete_account_has_nothing_due_and_is_active(country, business_type, capabilities):
    result = evaluate(facts(country, business_type, capabilities), RULES, NOW)
    assert result.currently_due == [] and result.past_due == []
    assert {name: c.status for name, c in result.capabilities.items()} == {name: "active" for name in capabilities}
    assert result.charges_enabled is ("card_payments" in capabilities)


@pytest.mark.parametrize("country", COUNTRIES)
@pytest.mark.parametrize("business_type", ["individual", "company"])
@pytest.mark.parametrize("capabilities", [("transfers",), ("card_payments", "transfers")])
def test_a_blank_account_owes_the_baseline(country, business_type, capabilities):
    due = set(evaluate(facts(country, business_type, capabilities, complete=False), RULES, NOW).currently_due)
    assert {"business_type", "tos_acceptance.date", "business_profile.url", "external_account"} <= due
    assert ("business_profile.mcc" in due) is ("card_payments" in capabilities)
    if business_type == "individual":
        assert {"individual.first_name", "individual.dob", "individual.address.line1", "individual.email"} <= due
        assert ("individual.phone" in due) is ("card_payments" in capabilities)
        assert not any(p.startswith(("company.", "representative.")) for p in due)
    else:
        assert {"company.name", "company.tax_id", "company.address.line1", "representative.dob",
                "representative.relationship.title", "company.owners_provided"} <= due
        assert ("company.phone" in due) is ("card_payments" in capabilities)
        assert not any(p.startswith("individual.") for p in due)


@pytest.mark.parametrize(
    "country,business_type,present,absent",
    [
        ("US", "individual", {"individual.ssn_last_4", "individual.address.state"}, {"individual.first_name_kana"}),
        ("US", "company", {"representative.ssn_last_4", "company.address.state"}, {"company.tax_id_registrar"}),
        ("CA", "individual", {"individual.address.state"}, {"individual.ssn_last_4"}),
        ("DE", "company", {"company.tax_id_registrar", "company.directors_provided"}, {"company.address.state"}),
        ("GB", "company", {"company.directors_provided"}, {"company.tax_id_registrar", "company.address.state"}),
        ("JP", "individual", {"individual.first_name_kana", "individual.last_name_kana", "individual.address.state"}, set()),
        ("JP", "company", {"company.name_kana", "representative.first_name_kana"}, {"company.directors_provided"}),
        ("FR", "company", set(), {"company.directors_provided", "company.address.state"}),
    ],
)
def test_country_deltas(country, business_type, present, absent):
    due = set(evaluate(facts(country, business_type, complete=False), RULES, NOW).currently_due)
    assert present <= due and not (absent & due)


def test_eventually_due_items_wait_for_the_volume_threshold():
    before = evaluate(facts("US", "individual"), RULES, NOW)
    assert "individual.id_number" in before.eventually_due and "individual.id_number" not in before.currently_due
    after = evaluate(facts("US", "individual", volume_reached=True), RULES, NOW)
    assert "individual.id_number" in after.currently_due


def test_french_directors_are_only_eventually_due():
    result = evaluate(facts("FR", "company", provided=frozenset()), RULES, NOW)
    assert "company.directors_provided" in result.eventually_due
    assert "company.directors_provided" not in result.currently_due


def test_owners_of_25_percent_or_more_owe_their_details():
    owner = PersonFacts("person_big", frozenset({"first_name"}), is_owner=True, percent_ownership=30)
    small = PersonFacts("person_small", frozenset(), is_owner=True, percent_ownership=10)
    base = facts("US", "company")
    result = evaluate(facts("US", "company", persons=(*base.persons, owner, small)), RULES, NOW)
    assert "person_big.dob" in result.currently_due and "person_big.first_name" not in result.currently_due
    assert not any(p.startswith("person_small.") for p in result.eventually_due)


def test_non_profits_list_no_owners():
    result = evaluate(facts("US", "non_profit", complete=False), RULES, NOW)
    assert "company.owners_provided" not in result.currently_due and "company.name" in result.currently_due


# --- transitions, with a frozen clock ------------------------------------------------------

def missing_phone(**changes):
    base = facts("US", "company")
    return facts("US", "company", provided=base.provided - {"company.phone"}, **changes)


def test_a_new_item_is_due_30_days_after_it_became_due():
    result = evaluate(missing_phone(), RULES, NOW)
    assert result.currently_due == ["company.phone"] and result.current_deadline == NOW + timedelta(days=30)
    assert result.capabilities["card_payments"].status == "active"  # "Restricted soon": still active


def test_due_becomes_past_due_and_disables_what_it_affects():
    first_due = NOW - timedelta(days=30)
    result = evaluate(missing_phone(first_due={"company.phone": first_due}), RULES, NOW)
    assert result.past_due == ["company.phone"]
    assert result.capabilities["card_payments"] == result.capabilities["card_payments"].__class__(
        "inactive", "requirements.fields_needed")
    assert result.capabilities["transfers"].status == "active"  # the phone only matters for card payments
    assert result.disabled_reason == "requirements.past_due" and not result.charges_enabled
    one_second_earlier = evaluate(missing_phone(first_due={"company.phone": first_due}), RULES,
                                  NOW - timedelta(seconds=1))
    assert one_second_earlier.past_due == []


def test_provided_goes_pending_then_verified_then_active():
    first_due = {"company.tax_id": NOW - timedelta(days=40)}
    pending = evaluate(facts("US", "company", first_due=first_due,
                             verifications={"company.tax_id": Verification("pending")}), RULES, NOW)
    assert pending.pending_verification == ["company.tax_id"] and pending.past_due == []
    assert pending.capabilities["card_payments"].status == "pending"
    assert pending.disabled_reason == "requirements.pending_verification"
    verified = evaluate(facts("US", "company", first_due=first_due,
                              verifications={"company.tax_id": Verification("verified")}), RULES, NOW)
    assert verified.pending_verification == [] and verified.capabilities["card_payments"].status == "active"


def test_a_failed_check_returns_the_field_with_its_error_and_can_be_resubmitted():
    failed = evaluate(facts("US", "company", verifications={
        "company.tax_id": Verification("failed", "verification_failed_tax_id_match", "Does not match.")}), RULES, NOW)
    assert "company.tax_id" in failed.currently_due
    assert failed.errors == [{"requirement": "company.tax_id", "code": "verification_failed_tax_id_match",
                              "reason": "Does not match."}]
    resubmitted = evaluate(facts("US", "company", verifications={"company.tax_id": Verification("pending")}),
                           RULES, NOW)
    assert resubmitted.errors == [] and resubmitted.pending_verification == ["company.tax_id"]


def test_a_failed_identity_check_makes_the_document_due():
    result = evaluate(facts("US", "company", verifications={
        "representative.dob": Verification("failed", "verification_failed_keyed_identity", "x")}), RULES, NOW)
    assert {"representative.dob", "representative.verification.document"} <= set(result.currently_due)


def test_future_requirements_never_restrict_and_merge_on_their_date():
    effective = next(r for r in RULES.future_rules if r.field == "company.vat_id").effective_at
    before = evaluate(facts("GB", "company"), RULES, effective - timedelta(days=1))
    assert before.future_currently_due == ["company.vat_id"] and "company.vat_id" not in before.currently_due
    assert before.capabilities["card_payments"].status == "active" and before.future_deadline == effective
    on_the_day = evaluate(facts("GB", "company"), RULES, effective)
    assert "company.vat_id" in on_the_day.currently_due and on_the_day.future_currently_due == []
    assert on_the_day.current_deadline == effective + timedelta(days=30)


def test_a_future_rule_without_grace_is_past_due_at_once():
    effective = next(r for r in RULES.future_rules if r.field == "business_profile.support_phone").effective_at
    result = evaluate(facts("US", "company", volume_reached=True), RULES, effective + timedelta(hours=1))
    assert "business_profile.support_phone" in result.past_due


def test_the_inactivity_hold_pauses_the_capabilities_with_held_work_and_stops_deadlines():
    held = evaluate(missing_phone(held=True, first_due={"company.phone": NOW - timedelta(days=60)}), RULES, NOW)
    assert held.past_due == [] and held.current_deadline is None
    assert held.capabilities["card_payments"] == CapabilityResult("inactive", "paused.inactivity")
    assert held.capabilities["transfers"].status == "active"  # the phone is not asked for transfers


def test_an_account_on_hold_with_nothing_outstanding_stays_enabled():
    held = evaluate(facts("US", "company", held=True), RULES, NOW)
    assert held == evaluate(facts("US", "company"), RULES, NOW)
    assert {c.status for c in held.capabilities.values()} == {"active"}
    assert held.charges_enabled and held.payouts_enabled and held.disabled_reason == ""


def test_a_check_in_review_is_held_work_too():
    pending = {"company.tax_id": Verification("pending")}
    held = evaluate(facts("US", "company", held=True, verifications=pending), RULES, NOW)
    assert {name: c.disabled_reason for name, c in held.capabilities.items()} == {
        "card_payments": "paused.inactivity", "transfers": "paused.inactivity"}


def test_the_hold_never_refuses_payouts():
    held = evaluate(missing_phone(held=True), RULES, NOW)
    assert held.capabilities["card_payments"].status == "inactive" and held.payouts_enabled


def test_onboarding_not_submitted_keeps_capabilities_inactive():
    result = evaluate(facts(details_submitted=False), RULES, NOW)
    assert {c.disabled_reason for c in result.capabilities.values()} == {"pending.onboarding"}


def test_rejection_disables_everything():
    result = evaluate(facts(rejected_reason="rejected.platform_fraud"), RULES, NOW)
    assert {c.status for c in result.capabilities.values()} == {"disabled"}
    assert result.disabled_reason == "rejected.platform_fraud" and not result.payouts_enabled


def test_an_expired_information_request_restricts_its_capabilities():
    request = InfoRequestFacts("ireq_1", "open", NOW - timedelta(minutes=1), frozenset({"card_payments"}))
    result = evaluate(facts(info_requests=(request,)), RULES, NOW)
    assert result.capabilities["card_payments"].status == "inactive"
    assert result.capabilities["transfers"].status == "active"


def test_payouts_need_a_payout_account():
    base = facts("US", "company")
    result = evaluate(facts("US", "company", provided=base.provided - {"external_account"}), RULES, NOW)
    assert "external_account" in result.currently_due and not result.payouts_enabled
    assert result.capabilities["transfers"].status == "active"
