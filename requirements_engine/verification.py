"""Checking submitted fields. In test mode the magic values of domain.md §10 decide the outcome;
in live mode every checked field waits in the review queue for provider staff."""

from dataclasses import dataclass
from datetime import date, timedelta

# How long an "asynchronous" test-mode check takes before it resolves.
ASYNC_DELAY = timedelta(seconds=5)

URL_ERRORS = {
    "disallowed": "invalid_url_denylisted",
    "geoblocked": "invalid_url_website_inaccessible_geoblocked",
    "problem": "invalid_url_website_other",
    "missing": "invalid_url_website_incomplete",
    "mismatch": "invalid_url_website_business_information_mismatch",
    "passwordprotected": "invalid_url_website_inaccessible_password_protected",
    "underconstruction": "invalid_url_website_incomplete_under_construction",
    "inaccessible": "invalid_url_website_inaccessible",
}

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
    **{code: "The website could not be verified: " + code.removeprefix("invalid_url_").replace("_", " ") + "."
       for code in URL_ERRORS.values()},
}


@dataclass(frozen=True)
class Outcome:
    status: str  # "verified", "failed", "pending"
    code: str = ""
    later: str = ""  # for a pending async check: what it resolves to
    hold: bool = False  # the inactivity-hold magic URL
    sanctions_alert: bool = False  # OFAC alert: an information request, account in review


def failed(code: str) -> Outcome:
    return Outcome("failed", code)


VERIFIED = Outcome("verified")


def is_checked(path: str) -> bool:
    """Fields the provider verifies (the others are simply recorded)."""
    last = path.rsplit(".", 1)[-1]
    return (
        last in ("dob", "ssn_last_4", "id_number", "document", "additional_document")
        or path.endswith("address.line1")
        or path in ("company.tax_id", "company.name", "business_profile.url", "business_profile.name")
    )


def test_mode_outcome(path: str, value) -> Outcome:
    """domain.md §10, mapped to this system's states."""
    text = str(value).strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    last = path.rsplit(".", 1)[-1]
    if last == "dob":
        dob = value if isinstance(value, date) else date.fromisoformat(text)
        if dob == date(1901, 1, 1):
            return Outcome("pending", later="verified")
        if dob == date(1902, 1, 1):
            return VERIFIED
        if dob == date(1900, 1, 1):
            return Outcome("pending", sanctions_alert=True)
        return failed("verification_failed_keyed_identity")
    if last == "ssn_last_4":
        return VERIFIED if digits == "0000" else failed("verification_failed_id_number_match")
    if last == "id_number":
        return VERIFIED if digits in ("000000000", "222222222") else failed("verification_failed_id_number_match")
    if last in ("document", "additional_document"):
        if text == "file_identity_document_failure":
            return failed("verification_document_failed_test_mode")
        return VERIFIED  # file_identity_document_success, or a real image: test images always pass
    if path == "company.tax_id":
        if digits in ("000000000", "000000001", "222222222"):
            return VERIFIED
        if digits == "111111112":
            return failed("verification_failed_tax_id_not_issued")
        return failed("verification_failed_tax_id_match")
    if path.endswith("address.line1"):
        if text in ("address_no_match", "address_line1_no_match"):
            return failed("invalid_street_address" if path.startswith("company.") else "verification_failed_address_match")
        return VERIFIED
    if path == "company.name":
        if text == "mismatch_business_name":
            return failed("verification_failed_name_match")
        if text == "disallowed_name":
            return failed("invalid_company_name_denylisted")
        return VERIFIED
    if path == "business_profile.name":
        if text == "disallowed_dba":
            return failed("invalid_business_profile_name_denylisted")
        if text == "invalid_dba":
            return failed("invalid_business_profile_name")
        return VERIFIED
    if path == "business_profile.url":
        host = text.removeprefix("https://").split("/")[0]
        if host == "inactivity.stripe.com":
            return Outcome("verified", hold=True)
        if host.endswith(".stripe.com") and host.split(".")[0] in URL_ERRORS:
            return failed(URL_ERRORS[host.split(".")[0]])
        return VERIFIED
    return VERIFIED


def reason_for(code: str) -> str:
    return REASONS.get(code, "The information could not be verified.")
