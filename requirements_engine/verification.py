"""Checking submitted fields. In test mode the magic values of domain.md §10 decide the outcome;
in live mode every checked field waits in the review queue for provider staff."""

from dataclasses import dataclass
from datetime import timedelta

from accounts import field_catalogue as catalogue

# How long an "asynchronous" test-mode check takes before it resolves.
ASYNC_DELAY = timedelta(seconds=5)

REASONS = {
    "verification_failed_keyed_identity": "The date of birth and name could not be matched to a real person.",
    "verification_failed_id_number_match": "The identity number does not match the person's name and date of birth.",
    "verification_failed_address_match": "The address could not be matched to the person.",
    "verification_failed_tax_id_match": "The tax id does not match the company's legal name.",
    "verification_failed_tax_id_not_issued": "This tax id has not been issued.",
    "verification_failed_name_match": "The company name does not match public records.",
    "invalid_company_name_denylisted": "This company name is too generic or not allowed.",
    "invalid_business_profile_name_denylisted": "This business name is not allowed.",
    "invalid_business_profile_name": "This business name is not valid.",
    "invalid_street_address": "The street address could not be verified.",
    "verification_document_failed_test_mode": "The test document was marked as failing.",
    "verification_document_failed_other": "The document could not be verified.",
}


@dataclass(frozen=True)
class Outcome:
    status: str  # "verified", "failed", "pending"
    code: str = ""
    later: str = ""  # for a pending async check: what it resolves to
    hold: bool = False  # the inactivity-hold magic URL
    sanctions_alert: bool = False  # OFAC alert: an information request, account in review


def is_checked(path: str) -> bool:
    """Fields the provider verifies (the others are simply recorded): the catalogue's "checked"."""
    entry = catalogue.lookup(path)
    return entry is not None and entry.checked


def test_mode_outcome(path: str, value) -> Outcome:
    """domain.md §10: the catalogue's magic values of this path, mapped to this system's states."""
    spec = catalogue.test_mode_outcome(path, value)
    return Outcome(spec["status"], spec.get("code", ""), later=spec.get("later", ""), hold=bool(spec.get("hold")),
                   sanctions_alert=bool(spec.get("sanctions_alert")))


def reason_for(code: str) -> str:
    if code in REASONS:
        return REASONS[code]
    if code.startswith("invalid_url_"):
        return "The website could not be verified: " + code.removeprefix("invalid_url_").replace("_", " ") + "."
    return "The information could not be verified."
