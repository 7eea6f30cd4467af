from decimal import Decimal

from django import forms
from django.utils import timezone

from platform_console.countries import COUNTRY_CHOICES

from . import field_catalogue as catalogue
from . import validation as v
from .catalogue import MCC_CHOICES
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
        choices=catalogue.capability_choices("", core_only=True),
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
        cross_border = self.platform and country and capabilities and country != self.platform.country
        if cross_border and sorted(capabilities) != ["transfers"]:
            self.add_error(
                "capabilities",
                "Accounts in another country than your platform's can only receive transfers: choose Transfers only.",
            )


class ProfileForm(forms.ModelForm):
    """The Profile section's inline form: account, contact and business details."""

    class Meta:
        model = Account
        fields = ["name", "legal_name", "email", "url", "mcc", "product_description", "support_email",
                  "support_phone", "support_url", "phone", "address_line1", "address_line2", "address_city",
                  "address_state", "address_postal_code"]
        labels = {"name": "Business name", "legal_name": "Legal business name", "email": "Account email", "url": "Website", "mcc": "Industry",
                  "product_description": "Product description", "support_email": "Support email",
                  "support_phone": "Support phone", "support_url": "Support website", "phone": "Business phone",
                  "address_line1": "Street address", "address_line2": "Address line 2", "address_city": "City",
                  "address_state": "State or province", "address_postal_code": "Postal code"}
        widgets = {"product_description": forms.Textarea(attrs={"rows": 3}),
                   "url": forms.URLInput(attrs={"placeholder": "https://"})}

    # Write-only, as in onboarding: the console keeps only that one was provided.
    tax_id = forms.CharField(label="Tax ID", required=False, max_length=40, strip=True,
                             widget=forms.TextInput(attrs={"autocomplete": "off"}))
    confirm_clear = forms.BooleanField(label="Yes, clear the details marked above", required=False)

    def __init__(self, *args, livemode: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mcc"] = forms.ChoiceField(label="Industry", required=False,
                                               choices=[("", "Not set"), *MCC_CHOICES])
        self.country = self.instance.country
        self.livemode = livemode
        if self.instance.business_type == "individual":  # a person has no legal business name or tax ID
            del self.fields["legal_name"], self.fields["tax_id"]
        else:
            on_file = "One is on file: leave blank to keep it." if self.instance.tax_id_provided else "None on file yet."
            self.fields["tax_id"].help_text = f"Not shown again once saved. {on_file}"
        self.asks_to_confirm_clearing = False
        if self.is_bound:
            # A field missing from the POST keeps its value. Browsers send every input of this
            # form, empty or not, so a missing one is a script or a truncated request: reading it
            # as "" once blanked a whole profile from an empty POST.
            for name in self.profile_fields():
                if self.fields[name].widget.value_omitted_from_data(self.data, self.files, self.add_prefix(name)):
                    del self.fields[name]

    def profile_fields(self) -> list[str]:
        return [name for name in self.fields if name != "confirm_clear"]

    def changes(self) -> dict:
        """The profile fields that were sent, cleaned; the service changes these and only these (a
        blank tax ID keeps the one on file)."""
        return {name: self.cleaned_data[name] for name in self.profile_fields()
                if name in self.cleaned_data and not (name == "tax_id" and not self.cleaned_data[name])}

    def clean_tax_id(self) -> str:
        value = self.cleaned_data.get("tax_id", "")
        if not value:
            return ""
        return v.validate_path("company.tax_id", value, country=self.country, livemode=self.livemode,
                               today=timezone.localdate())

    def ask_to_confirm_clearing(self, fields: list[str], message: str) -> None:
        for name in fields:
            self.add_error(name, "Saving clears this.")
        self.add_error(None, message)
        self.asks_to_confirm_clearing = True

    def clean(self):
        data = super().clean()
        if not self.profile_fields():
            raise forms.ValidationError("Nothing to save: the form sent no profile details.")
        return data

    def clean_url(self) -> str:
        value = self.cleaned_data.get("url", "")
        return v.validate_https_url(value) if value else ""

    def clean_support_url(self) -> str:
        value = self.cleaned_data.get("support_url", "")
        return v.validate_https_url(value) if value else ""

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone", "")
        return v.validate_phone(value) if value else ""

    def clean_support_phone(self) -> str:
        value = self.cleaned_data.get("support_phone", "")
        return v.validate_phone(value) if value else ""

    def clean_address_postal_code(self) -> str:
        value = self.cleaned_data.get("address_postal_code", "")
        return v.validate_postal_code(value, self.country) if value else ""

    def clean_address_state(self) -> str:
        value = self.cleaned_data.get("address_state", "")
        return v.validate_state(value, self.country) if value and self.country in ("US", "CA") else value


class OwnerForm(forms.Form):
    """+ Add person and Edit owner: personal and professional details."""

    first_name = forms.CharField(label="First name", max_length=100)
    last_name = forms.CharField(label="Last name", max_length=100)
    email = forms.EmailField(label="Email", max_length=254, required=False)
    phone = forms.CharField(label="Phone", max_length=20, required=False)
    dob = forms.DateField(label="Date of birth", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    address_line1 = forms.CharField(label="Street address", max_length=200, required=False)
    address_city = forms.CharField(label="City", max_length=100, required=False)
    address_state = forms.CharField(label="State or province", max_length=100, required=False)
    address_postal_code = forms.CharField(label="Postal code", max_length=20, required=False)
    id_number = forms.CharField(
        label="ID number", max_length=20, required=False,
        help_text="Stored masked; only the last four digits are ever shown again.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    title = forms.CharField(label="Job title", max_length=100, required=False)
    percent_ownership = forms.DecimalField(label="Ownership (%)", required=False, min_value=Decimal(0),
                                           max_value=Decimal(100), decimal_places=2)
    is_owner = forms.BooleanField(label="Owner", required=False)
    is_director = forms.BooleanField(label="Director", required=False)
    is_executive = forms.BooleanField(label="Executive", required=False)
    is_representative = forms.BooleanField(label="Representative", required=False,
                                           help_text="The one person authorised to act for the account.")

    def __init__(self, *args, country: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.country = country

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone", "")
        return v.validate_phone(value) if value else ""

    def clean_dob(self):
        value = self.cleaned_data.get("dob")
        return v.validate_adult(value, today=timezone.localdate()) if value else value

    def clean_address_postal_code(self) -> str:
        value = self.cleaned_data.get("address_postal_code", "")
        return v.validate_postal_code(value, self.country) if value else ""

    def clean_id_number(self) -> str:
        value = self.cleaned_data.get("id_number", "")
        return v.validate_id_number(value, self.country) if value else ""

    def clean(self):
        data = super().clean()
        if data.get("is_owner") and data.get("percent_ownership") is None and "percent_ownership" not in self.errors:
            self.add_error("percent_ownership", "Enter the owner's share of the business (0–100 %).")
        if data.get("is_representative") and not data.get("dob") and "dob" not in self.errors:
            self.add_error("dob", "The representative's date of birth is required.")
        return data


class CapabilitiesForm(forms.Form):
    """The Capabilities Edit dialog: what the account's country allows (the field catalogue)."""

    capabilities = forms.MultipleChoiceField(label="Requested capabilities", choices=(),
                                             widget=forms.CheckboxSelectMultiple, required=False)

    def __init__(self, *args, country: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["capabilities"].choices = catalogue.capability_choices(country)


class PayoutScheduleForm(forms.Form):
    interval = forms.ChoiceField(label="Payout schedule", choices=Connection.PayoutInterval.choices,
                                 widget=forms.RadioSelect)
    weekly_anchor = forms.ChoiceField(label="Day of the week", required=False,
                                      choices=[("", "Choose a day"), *Connection.Weekday.choices])
    monthly_anchor = forms.IntegerField(label="Day of the month", required=False, min_value=1, max_value=31,
                                        help_text="Days 29–31 fall back to the last day of shorter months.")
    delay_days = forms.IntegerField(label="Delay (days)", required=False, min_value=0, max_value=365,
                                    help_text="Leave blank for the country's minimum.")

    def __init__(self, *args, minimum: int, delay_editable: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.minimum = minimum
        self.fields["weekly_anchor"].show_when = "interval:weekly"
        self.fields["monthly_anchor"].show_when = "interval:monthly"
        self.fields["weekly_anchor"].conditional = self.fields["monthly_anchor"].conditional = True
        self.fields["delay_days"].help_text = f"At least {minimum} days here. Leave blank for the minimum."
        if not delay_editable:
            self.fields["delay_days"].disabled = True
            self.fields["delay_days"].help_text = "Only accounts your platform is liable for can change the delay."

    def clean(self):
        data = super().clean()
        interval = data.get("interval")
        if interval == "weekly" and not data.get("weekly_anchor"):
            self.add_error("weekly_anchor", "Choose the day of the week for weekly payouts.")
        if interval == "monthly" and not data.get("monthly_anchor") and "monthly_anchor" not in self.errors:
            self.add_error("monthly_anchor", "Choose a day of the month between 1 and 31.")
        delay = data.get("delay_days")
        if delay is not None and delay < self.minimum and "delay_days" not in self.errors:
            self.add_error("delay_days", f"The delay cannot be shorter than {self.minimum} days in this country.")
        return data
