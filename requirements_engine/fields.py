"""The form for exactly one requirement, and where its values go.

Used by "Submit the information" (operators, platform-collected accounts) and by the hosted
remediation page (account holders). Validation reuses the per-country validators of accounts.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import validation as v
from accounts.catalogue import MCC_CHOICES
from accounts.models import Connection
from accounts.onboarding_forms import BUSINESS_TYPES, PayoutAccountForm

MAX_UPLOAD = 10 * 1024 * 1024
UPLOAD_TYPES = {"image/jpeg", "image/png", "application/pdf"}
UPLOAD_EXTENSIONS = (".jpg", ".jpeg", ".png", ".pdf")

ACCOUNT_FIELD = {
    "business_type": "business_type",
    "business_profile.url": "url",
    "business_profile.mcc": "mcc",
    "business_profile.product_description": "product_description",
    "business_profile.support_phone": "support_phone",
    "company.name": "legal_name",
    "company.name_kana": "legal_name_kana",
    "company.tax_id": "tax_id",
    "company.tax_id_registrar": "tax_id_registrar",
    "company.vat_id": "vat_id",
    "company.phone": "phone",
    "company.address.line1": "address_line1",
    "company.address.city": "address_city",
    "company.address.state": "address_state",
    "company.address.postal_code": "address_postal_code",
}
PERSON_FIELD = {
    "first_name": "first_name", "last_name": "last_name", "first_name_kana": "first_name_kana",
    "last_name_kana": "last_name_kana", "dob": "dob", "email": "email", "phone": "phone",
    "address.line1": "address_line1", "address.city": "address_city", "address.state": "address_state",
    "address.postal_code": "address_postal_code", "relationship.title": "title", "ssn_last_4": "ssn_last_4",
    "id_number": "id_number",
}


def is_document(path: str) -> bool:
    return path.endswith(("verification.document", "verification.additional_document"))


def person_key(path: str) -> tuple[str, str] | None:
    head, _, rest = path.partition(".")
    if head in ("individual", "representative") or head.startswith("person_"):
        return head, rest
    return None


def supported(path: str) -> bool:
    if path in ACCOUNT_FIELD or path in ("external_account", "company.owners_provided", "company.directors_provided",
                                         "tos_acceptance.date") or is_document(path):
        return True
    split = person_key(path)
    return bool(split and split[1] in PERSON_FIELD)


class RequirementForm(forms.Form):
    """One requirement's fields. Build with RequirementForm(data, files, connection=…, path=…)."""

    def __init__(self, *args, connection: Connection, path: str, holder: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.connection, self.path, self.country = connection, path, connection.account.country
        self.payout_form = None
        if path == "external_account":
            self.payout_form = PayoutAccountForm(*args, connection=connection, paths={"external_account"})
            self.fields.update(self.payout_form.fields)
            return
        if is_document(path):
            self.fields["document"] = forms.FileField(
                label="Document", help_text="A photo or scan (JPEG, PNG or PDF, up to 10 MB).",
                widget=forms.ClearableFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf"}),
            )
            if not connection.livemode:
                self.fields["test_token"] = forms.ChoiceField(
                    label="Test outcome", required=False,
                    choices=[("", "Use the uploaded file (passes in test mode)"),
                             ("file_identity_document_success", "file_identity_document_success"),
                             ("file_identity_document_failure", "file_identity_document_failure")],
                )
            return
        if path == "tos_acceptance.date":
            self.fields["accept_terms"] = forms.BooleanField(label="I agree to the Services Agreement")
            return
        if path in ("company.owners_provided", "company.directors_provided"):
            label = "All owners of 25 % or more are listed" if "owners" in path else "All directors are listed"
            self.fields[path.split(".")[1]] = forms.BooleanField(label=label)
            return
        name = ACCOUNT_FIELD.get(path) or PERSON_FIELD[person_key(path)[1]]
        self.fields[name] = self._field(name)

    def _field(self, name: str) -> forms.Field:
        if name == "business_type":
            return forms.ChoiceField(label="Business type", choices=BUSINESS_TYPES, widget=forms.RadioSelect)
        if name == "mcc":
            return forms.ChoiceField(label="Industry", choices=[("", "Choose an industry"), *MCC_CHOICES])
        if name == "dob":
            return forms.DateField(label="Date of birth", widget=forms.DateInput(attrs={"type": "date"}))
        if name == "email":
            return forms.EmailField(label="Email", max_length=254)
        if name == "product_description":
            return forms.CharField(label="Product description", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
        labels = {
            "url": "Business website", "support_phone": "Support phone", "legal_name": "Legal business name",
            "legal_name_kana": "Legal business name (kana)", "tax_id": "Company tax ID", "tax_id_registrar": "Register court",
            "vat_id": "VAT number", "phone": "Phone", "address_line1": "Street address", "address_city": "City",
            "address_state": "State or province", "address_postal_code": "Postal code", "first_name": "First name",
            "last_name": "Last name", "first_name_kana": "First name (kana)", "last_name_kana": "Last name (kana)",
            "title": "Job title", "ssn_last_4": "Last 4 digits of the SSN", "id_number": "Identity number",
        }
        secret = name in ("tax_id", "ssn_last_4", "id_number", "vat_id")
        return forms.CharField(label=labels.get(name, name), max_length=200,
                               widget=forms.TextInput(attrs={"autocomplete": "off"} if secret else {}))

    def clean(self):
        data = super().clean()
        if self.payout_form is not None:
            self.payout_form.is_valid()
            for field, errors in self.payout_form.errors.items():
                for error in errors:
                    self.add_error(None if field == "__all__" else field, error)
            return self.payout_form.cleaned_data
        checks = {
            "url": v.validate_https_url,
            "phone": v.validate_phone,
            "support_phone": v.validate_phone,
            "tax_id": lambda x: v.validate_tax_id(x, self.country),
            "address_postal_code": lambda x: v.validate_postal_code(x, self.country),
            "address_state": lambda x: v.validate_state(x, self.country),
            "ssn_last_4": v.validate_ssn_last_4,
            "id_number": lambda x: v.validate_id_number(x, self.country),
            "dob": lambda x: v.validate_adult(x, today=timezone.localdate()),
        }
        for name, check in checks.items():
            if data.get(name) not in (None, "") and name not in self.errors:
                try:
                    data[name] = check(data[name])
                except ValidationError as error:
                    self.add_error(name, error)
        upload = data.get("document")
        if upload is not None:
            if upload.size > MAX_UPLOAD:
                self.add_error("document", "The file is larger than 10 MB.")
            elif not upload.name.lower().endswith(UPLOAD_EXTENSIONS) or (
                upload.content_type and upload.content_type not in UPLOAD_TYPES
            ):
                self.add_error("document", "Upload a JPEG, PNG or PDF file.")
        return data


def route(connection: Connection, path: str, data: dict) -> tuple[str, str, dict]:
    """Where the cleaned values of `path` are saved: (kind, target, values)."""
    if path == "external_account":
        return "external_account", "", data
    if is_document(path):
        return "document", path, data
    if path == "tos_acceptance.date":
        return "tos", "", data
    if path in ("company.owners_provided", "company.directors_provided"):
        return "attestation", "", data
    if path in ACCOUNT_FIELD:
        name = ACCOUNT_FIELD[path]
        return "account", "", {name: data[name]}
    head, rest = person_key(path)
    name = PERSON_FIELD[rest]
    return "person", head, {name: data[name]}
