"""The form for exactly one requirement, and where its values go.

Used by "Submit the information" (operators, platform-collected accounts) and by the hosted
remediation page (account holders). The field, its validation and where it is saved come from the
field catalogue (accounts/field_catalogue.py).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import field_catalogue as catalogue
from accounts import validation as v
from accounts.models import Connection
from accounts.onboarding_forms import PayoutAccountForm, path_field

MAX_UPLOAD = 10 * 1024 * 1024
UPLOAD_TYPES = {"image/jpeg", "image/png", "application/pdf"}
UPLOAD_EXTENSIONS = (".jpg", ".jpeg", ".png", ".pdf")

def person_key(path: str) -> tuple[str, str] | None:
    parts = catalogue.split(path)
    return parts if parts and parts[0] not in ("owners", "directors") else None


def supported(path: str) -> bool:
    """A concrete path this form can collect (owner placeholders are collected per person)."""
    return catalogue.lookup(path) is not None and not path.startswith(("owners.", "directors."))


class RequirementForm(forms.Form):
    """One requirement's fields. Build with RequirementForm(data, files, connection=…, path=…)."""

    def __init__(self, *args, connection: Connection, path: str, holder: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.connection, self.path, self.country = connection, path, connection.account.country
        self.payout_form = None
        entry = catalogue.lookup(path)
        if entry.widget == "external_account":
            self.payout_form = PayoutAccountForm(*args, connection=connection, paths={"external_account"})
            self.fields.update(self.payout_form.fields)
            return
        if entry.widget == "document":
            self.fields["document"] = forms.FileField(
                label="Document", help_text="A photo or scan (JPEG, PNG or PDF, up to 10 MB).",
                widget=forms.ClearableFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf"}),
            )
            if not connection.livemode:
                tokens = sorted(entry.magic_values(), reverse=True)
                self.fields["test_token"] = forms.ChoiceField(
                    label="Test outcome", required=False,
                    choices=[("", "Use the uploaded file (passes in test mode)"), *((t, t) for t in tokens)],
                )
            return
        self.fields[entry.form] = path_field(path, self.country)

    def clean(self):
        data = super().clean()
        if self.payout_form is not None:
            self.payout_form.is_valid()
            for field, errors in self.payout_form.errors.items():
                for error in errors:
                    self.add_error(None if field == "__all__" else field, error)
            return self.payout_form.cleaned_data
        name = catalogue.lookup(self.path).form
        if data.get(name) not in (None, "") and name not in self.errors and name != "document":
            try:
                data[name] = v.validate_path(self.path, data[name], country=self.country,
                                             livemode=self.connection.livemode, today=timezone.localdate())
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
    entry = catalogue.lookup(path)
    kinds = {"external_account": "external_account", "document": "document", "terms": "tos",
             "attestation": "attestation"}
    if entry.widget in kinds:
        return kinds[entry.widget], path if entry.widget == "document" else "", data
    parts = person_key(path)
    if parts is None:
        return "account", "", {entry.form: data[entry.form]}
    return "person", parts[0], {entry.form: data[entry.form]}
