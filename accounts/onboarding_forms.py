"""Forms of the onboarding steps. Each form shows the fields whose requirement paths are needed
(accounts.onboarding), validates them per the account's country, and never saves: the services do."""

from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from . import validation as v
from .catalogue import MCC_CHOICES
from .models import Account, Connection, Person

BUSINESS_TYPES = [
    ("individual", "Individual or sole proprietor"),
    ("company", "Company"),
    ("non_profit", "Non-profit organisation"),
    ("government_entity", "Government entity"),
]


def _text(label: str, *, required: bool = True, max_length: int = 100, **attrs) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=max_length, widget=forms.TextInput(attrs=attrs))


class CountryAwareForm(forms.Form):
    """A form whose fields depend on the requirement paths needed and the account's country."""

    required_css_class = "is-required"

    def __init__(self, *args, connection: Connection, paths: set[str], **kwargs):
        self.connection = connection
        self.account: Account = connection.account
        self.country = self.account.country
        self.paths = paths
        super().__init__(*args, **kwargs)
        self.build()

    def build(self) -> None:  # pragma: no cover - overridden
        pass

    def needs(self, path: str) -> bool:
        return path in self.paths

    def add_address(self, prefix: str, *, initial_from=None) -> None:
        if not self.needs(f"{prefix}.address.line1"):
            return
        self.fields["address_line1"] = _text("Street address", max_length=200, autocomplete="address-line1")
        self.fields["address_city"] = _text("City", autocomplete="address-level2")
        if self.needs(f"{prefix}.address.state"):
            label = {"US": "State", "CA": "Province", "JP": "Prefecture"}.get(self.country, "State")
            self.fields["address_state"] = _text(label, max_length=50, autocomplete="address-level1")
        self.fields["address_postal_code"] = _text("Postal code", max_length=12, autocomplete="postal-code")

    def clean_address_postal_code(self) -> str:
        return v.validate_postal_code(self.cleaned_data["address_postal_code"], self.country)

    def clean_address_state(self) -> str:
        return v.validate_state(self.cleaned_data["address_state"], self.country)

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone", "")
        return v.validate_phone(value) if value else value


class BusinessTypeForm(CountryAwareForm):
    def build(self) -> None:
        self.fields["business_type"] = forms.ChoiceField(
            label="Business type", choices=BUSINESS_TYPES, widget=forms.RadioSelect, initial=self.account.business_type
        )


class BusinessDetailsForm(CountryAwareForm):
    def build(self) -> None:
        a = self.account
        company = a.business_type in ("company", "non_profit", "government_entity")
        if self.needs("company.name"):
            self.fields["legal_name"] = _text("Legal business name", max_length=200, initial=a.legal_name)
        if self.needs("company.name_kana"):
            self.fields["legal_name_kana"] = _text("Legal business name (kana)", max_length=200)
        self.fields["name"] = _text("Doing business as", required=False, max_length=200)
        if self.needs("business_profile.url"):
            self.fields["url"] = forms.CharField(
                label="Business website", required=False, max_length=500,
                help_text="Starting with https://. No website? Describe what you sell below instead.",
                widget=forms.URLInput(attrs={"placeholder": "https://", "autocomplete": "url"}),
            )
            self.fields["product_description"] = forms.CharField(
                label="Product description", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
            )
            self.fields["url"].conditional = self.fields["product_description"].conditional = True
        if self.needs("business_profile.mcc"):
            self.fields["mcc"] = forms.ChoiceField(
                label="Industry", choices=[("", "Choose an industry"), *MCC_CHOICES]
            )
        if self.needs("company.tax_id"):
            label = {"US": "Employer Identification Number (EIN)", "CA": "Business Number", "GB": "Company number",
                     "FR": "SIREN or SIRET", "DE": "Commercial register number", "JP": "Corporate number"}
            self.fields["tax_id"] = forms.CharField(
                label=label.get(self.country, "Tax id"), max_length=30, required=not a.tax_id_provided,
                help_text="Already provided: leave blank to keep it." if a.tax_id_provided else "",
                widget=forms.TextInput(attrs={"autocomplete": "off"}),
            )
        if self.needs("company.tax_id_registrar"):
            self.fields["tax_id_registrar"] = _text("Register court (Registergericht)", max_length=100)
        if self.needs("company.phone"):
            self.fields["phone"] = _text("Business phone", max_length=20, autocomplete="tel", type="tel")
        if company:
            self.add_address("company")
        self.initial.update(
            {
                "legal_name": a.legal_name, "legal_name_kana": a.legal_name_kana, "name": a.name, "url": a.url,
                "product_description": a.product_description, "mcc": a.mcc, "tax_id_registrar": a.tax_id_registrar,
                "phone": a.phone, "address_line1": a.address_line1, "address_city": a.address_city,
                "address_state": a.address_state, "address_postal_code": a.address_postal_code,
            }
        )

    def clean_url(self) -> str:
        value = self.cleaned_data.get("url", "").strip()
        return v.validate_https_url(value) if value else ""

    def clean_tax_id(self) -> str:
        value = self.cleaned_data.get("tax_id", "")
        return v.validate_tax_id(value, self.country) if value else ""

    def clean(self):
        data = super().clean()
        if "url" in self.fields and not (data.get("url") or data.get("product_description")) and not self.errors.get("url"):
            self.add_error("url", "Enter the business website, or describe what the business sells.")
        return data


class PersonForm(CountryAwareForm):
    """The individual (prefix "individual") or the representative (prefix "representative")."""

    def __init__(self, *args, prefix_path: str, person: Person | None = None, **kwargs):
        self.prefix_path = prefix_path
        self.person = person
        super().__init__(*args, **kwargs)

    def build(self) -> None:
        p, pre = self.person, self.prefix_path
        self.fields["first_name"] = _text("First name", autocomplete="given-name")
        self.fields["last_name"] = _text("Last name", autocomplete="family-name")
        if self.needs(f"{pre}.first_name_kana"):
            self.fields["first_name_kana"] = _text("First name (kana)")
            self.fields["last_name_kana"] = _text("Last name (kana)")
        self.fields["email"] = forms.EmailField(label="Email", max_length=254,
                                                widget=forms.EmailInput(attrs={"autocomplete": "email"}))
        self.fields["phone"] = _text("Phone", required=self.needs(f"{pre}.phone"), max_length=20, type="tel",
                                     autocomplete="tel")
        self.fields["dob"] = forms.DateField(label="Date of birth", widget=forms.DateInput(attrs={"type": "date"}))
        if self.needs(f"{pre}.relationship.title"):
            self.fields["title"] = _text("Job title", max_length=100, placeholder="CEO, Director…")
        self.add_address(pre)
        if self.needs(f"{pre}.ssn_last_4"):
            provided = bool(p and (p.ssn_last_4_provided or p.id_number_provided))
            self.fields["ssn_last_4"] = forms.CharField(
                label="Last 4 digits of the Social Security number", max_length=4, min_length=4,
                required=not provided, help_text="Already provided: leave blank to keep it." if provided else "",
                widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            )
        if pre == "representative":
            self.fields["is_owner"] = forms.BooleanField(label="This person owns 25 % or more of the business", required=False)
            self.fields["percent_ownership"] = forms.DecimalField(
                label="Ownership (%)", required=False, min_value=Decimal(0), max_value=Decimal(100), decimal_places=2
            )
            self.fields["percent_ownership"].conditional = True
            self.fields["percent_ownership"].show_when = "is_owner:on"
            if self.country in ("GB", "DE"):
                self.fields["is_director"] = forms.BooleanField(label="This person is a director", required=False)
        if p is not None:
            self.initial.update(
                {
                    "first_name": p.first_name, "last_name": p.last_name, "first_name_kana": p.first_name_kana,
                    "last_name_kana": p.last_name_kana, "email": p.email, "phone": p.phone, "dob": p.dob,
                    "title": p.title, "address_line1": p.address_line1, "address_city": p.address_city,
                    "address_state": p.address_state, "address_postal_code": p.address_postal_code,
                    "is_owner": p.is_owner, "percent_ownership": p.percent_ownership, "is_director": p.is_director,
                }
            )

    def clean_dob(self) -> date:
        return v.validate_adult(self.cleaned_data["dob"], today=timezone.localdate())

    def clean_ssn_last_4(self) -> str:
        value = self.cleaned_data.get("ssn_last_4", "")
        return v.validate_ssn_last_4(value) if value else ""

    def clean(self):
        data = super().clean()
        if data.get("is_owner") and data.get("percent_ownership") is None and "percent_ownership" not in self.errors:
            self.add_error("percent_ownership", "Enter this person's share of the business.")
        return data


class OwnerForm(CountryAwareForm):
    """Add one owner (or director) on the owners step."""

    def build(self) -> None:
        self.fields["first_name"] = _text("First name")
        self.fields["last_name"] = _text("Last name")
        self.fields["email"] = forms.EmailField(label="Email", max_length=254)
        self.fields["dob"] = forms.DateField(label="Date of birth", widget=forms.DateInput(attrs={"type": "date"}))
        self.fields["percent_ownership"] = forms.DecimalField(
            label="Ownership (%)", required=False, min_value=Decimal(0), max_value=Decimal(100), decimal_places=2,
            help_text="Leave blank for a director who owns nothing.",
        )
        self.fields["address_line1"] = _text("Street address", max_length=200)
        self.fields["address_city"] = _text("City")
        if self.country in v.STATE_COUNTRIES:
            self.fields["address_state"] = _text({"US": "State", "CA": "Province", "JP": "Prefecture"}[self.country], max_length=50)
        self.fields["address_postal_code"] = _text("Postal code", max_length=12)
        if self.country in ("GB", "DE"):
            self.fields["is_director"] = forms.BooleanField(label="This person is a director", required=False)

    def clean_dob(self) -> date:
        value = self.cleaned_data["dob"]
        if value > timezone.localdate():
            raise ValidationError("The date of birth cannot be in the future.")
        return value


class OwnersConfirmForm(CountryAwareForm):
    def build(self) -> None:
        if self.needs("company.owners_provided"):
            self.fields["owners_provided"] = forms.BooleanField(
                label="Everyone who owns 25 % or more of the business is listed", required=True,
                initial=self.account.owners_provided,
            )
        if self.needs("company.directors_provided"):
            self.fields["directors_provided"] = forms.BooleanField(
                label="All directors of the company are listed", required=True,
                initial=self.account.directors_provided,
            )


class PayoutAccountForm(CountryAwareForm):
    def build(self) -> None:
        self.fields["kind"] = forms.ChoiceField(
            label="Pay out to", choices=[("bank_account", "Bank account"), ("card", "Debit card")],
            widget=forms.RadioSelect, initial="bank_account",
        )
        self.fields["account_holder_name"] = _text("Account holder name", required=False, max_length=200)
        self.fields["routing_number"] = _text("Routing number" if self.country == "US" else "Sort code / bank code",
                                              required=False, max_length=20, inputmode="numeric", autocomplete="off")
        self.fields["account_number"] = _text("Account number or IBAN", required=False, max_length=40,
                                              autocomplete="off")
        self.fields["card_number"] = _text("Debit card number", required=False, max_length=23,
                                           inputmode="numeric", autocomplete="cc-number")
        self.fields["exp_month"] = forms.IntegerField(label="Expiry month", required=False, min_value=1, max_value=12)
        self.fields["exp_year"] = forms.IntegerField(label="Expiry year", required=False, min_value=2000, max_value=2100)
        for name in ("account_holder_name", "routing_number", "account_number"):
            self.fields[name].show_when = "kind:bank_account"
        for name in ("card_number", "exp_month", "exp_year"):
            self.fields[name].show_when = "kind:card"
        for field in self.fields.values():
            field.conditional = True  # required for one kind of destination, checked in clean()

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == "bank_account":
            for name, check in (("routing_number", lambda x: v.validate_routing_number(x, self.country)),
                                ("account_number", v.validate_account_number)):
                value = data.get(name, "")
                if not value:
                    self.add_error(name, "This field is required for a bank account.")
                    continue
                try:
                    data[name] = check(value)
                except ValidationError as error:
                    self.add_error(name, error)
            if not data.get("account_holder_name"):
                self.add_error("account_holder_name", "Enter the name on the bank account.")
        elif kind == "card":
            try:
                data["card_number"] = v.validate_card_number(data.get("card_number", ""))
            except ValidationError as error:
                self.add_error("card_number", error)
            month, year = data.get("exp_month"), data.get("exp_year")
            if not month:
                self.add_error("exp_month", "Enter the expiry month.")
            if not year:
                self.add_error("exp_year", "Enter the expiry year.")
            if month and year:
                today = timezone.localdate()
                if (year, month) < (today.year, today.month):
                    self.add_error("exp_year", "This card has expired.")
        return data


class ReviewForm(CountryAwareForm):
    def build(self) -> None:
        self.fields["accept_terms"] = forms.BooleanField(
            label="I agree to the Services Agreement and confirm the information is correct", required=True
        )


STEP_FORMS = {
    "business_type": BusinessTypeForm,
    "business_details": BusinessDetailsForm,
    "payout_account": PayoutAccountForm,
    "review": ReviewForm,
}
