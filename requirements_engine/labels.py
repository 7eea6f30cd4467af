"""Plain-language titles and explanations for requirement field paths and error codes: the
Actions required list never shows a raw field path alone."""

from accounts.models import Connection

FIELD_TITLES = {
    "first_name": "first name",
    "last_name": "last name",
    "first_name_kana": "first name in kana",
    "last_name_kana": "last name in kana",
    "dob": "date of birth",
    "email": "email address",
    "phone": "phone number",
    "address.line1": "street address",
    "address.city": "city",
    "address.state": "state or province",
    "address.postal_code": "postal code",
    "relationship.title": "job title",
    "ssn_last_4": "last 4 digits of the SSN",
    "id_number": "identity number",
    "verification.document": "identity document",
    "verification.additional_document": "proof of address",
}

ACCOUNT_TITLES = {
    "business_type": "Business type",
    "tos_acceptance.date": "Acceptance of the Services Agreement",
    "business_profile.url": "Business website",
    "business_profile.mcc": "Industry (merchant category)",
    "business_profile.product_description": "Product description",
    "business_profile.support_phone": "Customer support phone number",
    "external_account": "Bank account or debit card for payouts",
    "company.name": "Legal business name",
    "company.name_kana": "Legal business name in kana",
    "company.tax_id": "Company tax ID",
    "company.tax_id_registrar": "Register court of the company",
    "company.vat_id": "VAT number",
    "company.phone": "Business phone number",
    "company.address.line1": "Business street address",
    "company.address.city": "Business city",
    "company.address.state": "Business state or province",
    "company.address.postal_code": "Business postal code",
    "company.owners_provided": "Confirmation that all owners are listed",
    "company.directors_provided": "Confirmation that all directors are listed",
}

WHY = {
    "tos_acceptance.date": "The account holder must accept the Services Agreement themselves before the account can take payments.",
    "external_account": "Payouts need a destination: a bank account or a debit card in the account's currency.",
    "company.tax_id": "The company's tax ID is checked against public records to verify the business.",
    "business_profile.url": "A website (or a description of what is sold) lets the provider understand the business.",
}

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
    if path in ACCOUNT_TITLES:
        return ACCOUNT_TITLES[path]
    head, _, rest = path.partition(".")
    what = FIELD_TITLES.get(rest, rest.replace("_", " ").replace(".", " "))
    if head == "individual":
        return f"Account holder's {what}"
    if head == "representative":
        return f"Representative's {what}"
    if head == "owners":
        return f"Owners' {what}"
    if head == "directors":
        return f"Directors' {what}"
    if head.startswith("person_"):
        if names is None and connection is not None:
            names = person_names(connection)
        name = (names or {}).get(head) or "A person"
        return f"{name}'s {what}"
    return path.replace("_", " ").replace(".", " › ").capitalize()


def why(path: str) -> str:
    if path in WHY:
        return WHY[path]
    if path.endswith(("dob", "id_number", "ssn_last_4", "verification.document")):
        return "Identity details are checked to verify the people behind the account, as financial regulations require."
    if ".address." in path:
        return "The address is checked as part of verifying the account."
    return "This information is required for the capabilities the account requested."


def error_label(code: str) -> str:
    if code in ERROR_LABELS:
        return ERROR_LABELS[code]
    if code.startswith("invalid_url_"):
        return "Website could not be verified"
    if code.startswith("verification_document_"):
        return "Document could not be verified"
    return code.replace("_", " ").capitalize() if code else ""


CAPABILITY_LABELS = {"card_payments": "Card payments", "transfers": "Transfers", "payouts": "Payouts"}


def capability_label(name: str) -> str:
    return CAPABILITY_LABELS.get(name, name.replace("_", " ").capitalize())
