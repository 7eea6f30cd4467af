from django import forms

from platform_console.countries import COUNTRY_CHOICES

from .catalogue import CORE_CAPABILITIES
from .models import Account, Connection
from .services import PRESETS


class ConnectionFilterForm(forms.Form):
    """The search box and filters of the Connected accounts list. Never invalid: a value that is
    not one of the choices is dropped, and the search text is interpreted by the selector."""

    q = forms.CharField(required=False, strip=True)
    status = forms.ChoiceField(required=False, choices=[("", "All statuses"), *Connection.Status.choices])
    access = forms.ChoiceField(
        required=False, choices=[("", "Any Dashboard access"), *Connection.DashboardType.choices]
    )
    country = forms.ChoiceField(required=False, choices=[("", "All countries"), *COUNTRY_CHOICES])
    needs = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Any requirements"),
            ("actions_required", "Actions required"),
            ("past_due", "Past due"),
            ("restricted_soon", "Restricted soon"),
        ],
    )
    after = forms.CharField(required=False)
    before = forms.CharField(required=False)

    def filters(self) -> dict[str, str]:
        cleaned: dict[str, str] = {}
        self.is_valid()
        for name in self.fields:
            cleaned[name] = self.cleaned_data.get(name) or ""
        return cleaned


METADATA_MAX_PAIRS = 50
METADATA_KEY_MAX = 40
METADATA_VALUE_MAX = 500


def parse_metadata(text: str) -> dict[str, str]:
    """`key: value` per line (domain.md §2: ≤ 50 pairs, keys ≤ 40 characters without [ or ],
    values ≤ 500 characters). Raises ValidationError naming the line at fault."""
    pairs: dict[str, str] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            raise forms.ValidationError(f"Line {number}: write metadata as key: value.")
        if len(key) > METADATA_KEY_MAX or "[" in key or "]" in key:
            raise forms.ValidationError(f"Line {number}: keys are at most {METADATA_KEY_MAX} characters, without [ or ].")
        if len(value) > METADATA_VALUE_MAX:
            raise forms.ValidationError(f"Line {number}: values are at most {METADATA_VALUE_MAX} characters.")
        if key in pairs:
            raise forms.ValidationError(f"Line {number}: the key “{key}” appears twice.")
        pairs[key] = value
    if len(pairs) > METADATA_MAX_PAIRS:
        raise forms.ValidationError(f"At most {METADATA_MAX_PAIRS} metadata pairs.")
    return pairs


class CreateAccountForm(forms.Form):
    """The + Create dialog. Controller properties follow the preset of the chosen Dashboard access
    unless the operator opened the Edit step (customize)."""

    dashboard_type = forms.ChoiceField(
        label="Dashboard access",
        choices=[
            ("full", "Full — the account manages itself in its own dashboard"),
            ("express", "Express — a light dashboard; your platform is liable for losses"),
            ("none", "None — your platform collects information and manages the account"),
        ],
        widget=forms.RadioSelect,
        initial="express",
    )
    customize = forms.BooleanField(required=False, widget=forms.HiddenInput)
    losses_payments = forms.ChoiceField(
        label="Liable for negative balances",
        choices=[("stripe", "Provider"), ("application", "Your platform")],
        required=False,
    )
    fees_payer = forms.ChoiceField(
        label="Who pays fees",
        choices=[
            ("account", "The connected account"),
            ("application", "Your platform"),
            ("application_express", "Your platform (Express pricing)"),
            ("application_custom", "Your platform (Custom pricing)"),
        ],
        required=False,
    )
    requirement_collection = forms.ChoiceField(
        label="Who collects requirements",
        choices=[("stripe", "Provider (through its onboarding)"), ("application", "Your platform")],
        required=False,
    )
    country = forms.ChoiceField(label="Country", choices=COUNTRY_CHOICES, initial="US")
    email = forms.EmailField(label="Email of the account holder", max_length=254)
    business_type = forms.ChoiceField(
        label="Business type",
        required=False,
        choices=[("", "Let the holder choose"), *Account.BusinessType.choices],
    )
    capabilities = forms.MultipleChoiceField(
        label="Capabilities",
        choices=CORE_CAPABILITIES,
        widget=forms.CheckboxSelectMultiple,
        initial=["card_payments", "transfers"],
    )
    metadata = forms.CharField(
        label="Metadata",
        required=False,
        max_length=30_000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "internal_id: cus-1042\ntier: gold"}),
        help_text="One key: value per line.",
    )

    def __init__(self, *args, platform=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.platform = platform
        if platform is not None:
            self.fields["country"].initial = platform.country

    def clean_metadata(self) -> dict[str, str]:
        return parse_metadata(self.cleaned_data.get("metadata", ""))

    def clean(self):
        data = super().clean()
        access = data.get("dashboard_type")
        if not access:
            return data
        self._check_cross_border(data)
        if not data.get("customize"):
            for field, value in PRESETS[access].items():
                data[field] = value
            return data
        for field in ("losses_payments", "fees_payer", "requirement_collection"):
            if not data.get(field):
                data[field] = PRESETS[access][field]
        if access == "express" and data["losses_payments"] != "application":
            self.add_error("losses_payments", "Express accounts need your platform to be liable for negative balances.")
        if data["requirement_collection"] == "application":
            if access != "none":
                self.add_error("requirement_collection", "Your platform can collect requirements only when the account has no Dashboard.")
            elif data["losses_payments"] != "application":
                self.add_error("losses_payments", "When your platform collects requirements it must also be liable for negative balances.")
        return data

    def _check_cross_border(self, data) -> None:
        country, capabilities = data.get("country"), data.get("capabilities")
        if self.platform and country and capabilities and country != self.platform.country:
            if sorted(capabilities) != ["transfers"]:
                self.add_error(
                    "capabilities",
                    "Accounts in another country than your platform's can only receive transfers: choose Transfers only.",
                )
