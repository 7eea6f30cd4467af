"""Plain-language titles and explanations for requirement field paths (from the field catalogue)
and error codes: the Actions required list never shows a raw field path alone."""

from accounts import field_catalogue as catalogue
from accounts.models import Connection

ERROR_LABELS = {
    "information_missing": "Information missing",
    "verification_failed_keyed_identity": "Identity could not be verified",
    "verification_failed_id_number_match": "Identity number does not match",
    "verification_failed_address_match": "Address does not match",
    "verification_failed_tax_id_match": "Tax ID does not match the business",
    "verification_failed_tax_id_not_issued": "Tax ID not issued",
    "verification_failed_name_match": "Business name does not match",
    "invalid_company_name_denylisted": "Business name not allowed",
    "invalid_business_profile_name_denylisted": "Business name not allowed",
    "invalid_business_profile_name": "Business name not valid",
    "invalid_street_address": "Street address not valid",
    "invalid_dob_age_under_18": "Person is under 18",
    "verification_document_failed_test_mode": "Document failed (test mode)",
}


def person_names(connection: Connection) -> dict[str, str]:
    """public id -> name, for titles of existing persons' fields (one query for all of them)."""
    return {key: name.strip() for key, *name in connection.account.persons.values_list("public_id", "first_name", "last_name")
            for name in [" ".join(name)]}


def title(path: str, connection: Connection | None = None, names: dict[str, str] | None = None) -> str:
    if names is None and connection is not None and path.startswith("person_"):
        names = person_names(connection)
    return catalogue.title(path, names)


def why(path: str) -> str:
    return catalogue.why(path)


def error_label(code: str) -> str:
    if code in ERROR_LABELS:
        return ERROR_LABELS[code]
    if code.startswith("invalid_url_"):
        return "Website could not be verified"
    if code.startswith("verification_document_"):
        return "Document could not be verified"
    return code.replace("_", " ").capitalize() if code else ""


def capability_label(name: str) -> str:
    return "Payouts" if name == "payouts" else catalogue.capability_label(name)
