"""Forms of the onboarding steps. Each form shows the fields whose requirement paths are needed
(accounts.onboarding), validates them per the account's country, and never saves: the services do."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from . import field_catalogue as catalogue
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


def _label(entry: catalogue.Field, country: str) -> str:
    """A country may name a field its own way (EIN, KvK number, Prefecture…)."""
    if entry.form in ("tax_id", "address_state"):
        spec = catalogue.country_format(country, "tax_id" if entry.form == "tax_id" else "state") or {}
        return spec.get("label", entry.label)
    return entry.label


def path_field(path: str, country: str, *, required: bool = True, provided: bool = False) -> forms.Field:
    """The form field that collects one requirement path, as the catalogue describes it. A secret
    already provided (tax id, SSN) may be left blank to keep it."""
    entry = catalogue.lookup(path)
    label, widget = _label(entry, country), entry.widget
    if widget == "business_type":
        return forms.ChoiceField(label=label, choices=BUSINESS_TYPES, widget=forms.RadioSelect, required=required)
    if widget == "mcc":
        return forms.ChoiceField(label=label, choices=[("", "Choose an industry"), *MCC_CHOICES], required=required)
    if widget == "date":
        return forms.DateField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}))
    if widget == "email":
        return forms.EmailField(label=label, max_length=entry.max_length, required=required,
                                widget=forms.EmailInput(attrs=entry.attrs))
    if widget == "textarea":
        return forms.CharField(label=label, max_length=entry.max_length, required=required,
                               widget=forms.Textarea(attrs={"rows": 3}))
    if widget == "url":
        return forms.CharField(label=label, max_length=entry.max_length, required=required, help_text=entry.help,
                               widget=forms.URLInput(attrs={"placeholder": "https://", "autocomplete": "url"}))
    if widget in ("attestation", "terms"):
        return forms.BooleanField(label=entry.label, required=required)
    attrs = dict(entry.attrs)
    if widget == "tel":
        attrs["type"] = "tel"
    if entry.secret:
        attrs["autocomplete"] = "off"
    keep = entry.secret and provided
    return forms.CharField(label=label, max_length=entry.max_length, required=required and not keep,
                           help_text="Already provided: leave blank to keep it." if keep else entry.help,
                           widget=forms.TextInput(attrs=attrs))


class CountryAwareForm(forms.Form):
    """A form whose fields depend on the requirement paths needed and the account's country. Fields
    added with `add_path` are validated as the catalogue says (test-mode magic values first)."""

    required_css_class = "is-required"

    def __init__(self, *args, connection: Connection, paths: set[str], **kwargs):
        self.connection = connection
        self.account: Account = connection.account
        self.country = self.account.country
        self.paths = paths
        self.field_paths: dict[str, str] = {}  # form field name -> requirement path
        super().__init__(*args, **kwargs)
        self.build()

    def build(self) -> None:  # pragma: no cover - overridden
        pass

    def needs(self, path: str) -> bool:
        return path in self.paths

    def add_path(self, path: str, *, required: bool = True, provided: bool = False) -> forms.Field:
        field = path_field(path, self.country, required=required, provided=provided)
        name = catalogue.lookup(path).form
        self.fields[name] = field
        self.field_paths[name] = path
        return field

    def add_address(self, prefix: str, *, always: bool = False) -> None:
        """Street, city, state (where the country has states) and postal code, asked together."""
        if not (always or self.needs(f"{prefix}.address.line1")):
            return
        for part in ("line1", "city", "state", "postal_code"):
            if part == "state" and not (self.needs(f"{prefix}.address.state") or catalogue.has_states(self.country)):
                continue
            self.add_path(f"{prefix}.address.{part}")

    def clean(self):
        data = super().clean()
        for name, path in self.field_paths.items():
            if data.get(name) in (None, "") or name in self.errors:
                continue
            try:
                data[name] = v.validate_path(path, data[name], country=self.country,
                                             livemode=self.connection.livemode, today=timezone.localdate())
            except ValidationError as error:
                self.add_error(name, error)
        return data


class BusinessTypeForm(CountryAwareForm):
    def build(self) -> None:
        self.add_path("business_type").initial = self.account.business_type


class BusinessDetailsForm(CountryAwareForm):
    def build(self) -> None:
        a = self.account
        # The business's public name is always offered (optional); a description may stand in for the website.
        extra = {"business_profile.name"} | ({"business_profile.product_description"}
                                             if self.needs("business_profile.url") else set())
        needed = [p for p in catalogue.load().account
                  if catalogue.step_of(p) == "business_details" and (self.needs(p) or p in extra)]
        provided = catalogue.account_provided(self.connection)
        for path in needed:
            entry = catalogue.lookup(path)
            self.add_path(path, required=not entry.optional, provided=entry.secret and path in provided)
        if "url" in self.fields:
            # The website, or a description of what is sold instead: one of the two (checked in clean).
            self.fields["url"].required = self.fields["product_description"].required = False
            self.fields["url"].conditional = self.fields["product_description"].conditional = True
        self.initial.update({name: getattr(a, name, None) for name in self.fields if name not in ("tax_id", "vat_id")})

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
        provided = catalogue.person_provided(p, group=pre) if p is not None else set()
        for rel, entry in catalogue.load().person.items():
            if rel == "address.line1":
                self.add_address(pre)
            if entry.widget == "document" or rel.startswith("address."):
                continue
            path = f"{pre}.{rel}"
            if self.needs(path):
                self.add_path(path, provided=rel in provided)
            elif rel == "phone":
                self.add_path(path, required=False)
        if pre == "representative":
            self.fields["is_owner"] = forms.BooleanField(label="This person owns 25 % or more of the business", required=False)
            self.fields["percent_ownership"] = forms.DecimalField(
                label="Ownership (%)", required=False, min_value=Decimal(0), max_value=Decimal(100), decimal_places=2
            )
            self.fields["percent_ownership"].conditional = True
            self.fields["percent_ownership"].show_when = "is_owner:on"
            if self.needs("company.directors_provided"):
                self.fields["is_director"] = forms.BooleanField(label="This person is a director", required=False)
        if p is not None:
            self.initial.update({name: getattr(p, name, None) for name in self.fields
                                 if name not in ("ssn_last_4", "id_number")})

    def clean(self):
        data = super().clean()
        if data.get("is_owner") and data.get("percent_ownership") is None and "percent_ownership" not in self.errors:
            self.add_error("percent_ownership", "Enter this person's share of the business.")
        return data


class OwnerForm(CountryAwareForm):
    """Add one owner (or director) on the owners step: what the rules ask of owners and directors."""

    def build(self) -> None:
        groups = ("owners", "directors")
        for rel, entry in catalogue.load().person.items():
            if entry.widget == "document" or rel.startswith("address."):
                continue
            if rel in ("first_name", "last_name", "email", "dob") or any(self.needs(f"{g}.{rel}") for g in groups):
                self.add_path(f"owners.{rel}")
        self.add_address("owners", always=True)
        self.fields["percent_ownership"] = forms.DecimalField(
            label="Ownership (%)", required=False, min_value=Decimal(0), max_value=Decimal(100), decimal_places=2,
            help_text="Leave blank for a director who owns nothing.",
        )
        if self.needs("company.directors_provided"):
            self.fields["is_director"] = forms.BooleanField(label="This person is a director", required=False)

    # Fields shown side by side; every other field gets a row of its own, in the form's order.
    PAIRED = (("first_name", "last_name"), ("email", "dob"), ("address_city", "address_state", "address_postal_code"))

    def rows(self) -> list[list]:
        """The bound fields in rows, for the owners step's compact layout (every field appears once)."""
        rows, placed = [], set()
        for name in self.fields:
            if name in placed:
                continue
            group = next((g for g in self.PAIRED if name in g), (name,))
            rows.append([self[n] for n in group if n in self.fields])
            placed |= set(group)
        return rows


class OwnersConfirmForm(CountryAwareForm):
    def build(self) -> None:
        for path in ("company.owners_provided", "company.directors_provided"):
            if self.needs(path):
                self.add_path(path).initial = getattr(self.account, catalogue.lookup(path).form)


class PayoutAccountForm(CountryAwareForm):
    def build(self) -> None:
        self.routing = catalogue.country_format(self.country, "routing_number")
        account_spec = catalogue.country_format(self.country, "account_number") or {}
        self.fields["kind"] = forms.ChoiceField(
            label="Pay out to", choices=[("bank_account", "Bank account"), ("card", "Debit card")],
            widget=forms.RadioSelect, initial="bank_account",
        )
        self.fields["account_holder_name"] = _text("Account holder name", required=False, max_length=200)
        bank = ["account_holder_name", "account_number"]
        if self.routing is not None:
            self.fields["routing_number"] = _text(self.routing.get("label", "Routing number"), required=False,
                                                  max_length=20, inputmode="numeric", autocomplete="off")
            bank.append("routing_number")
        self.fields["account_number"] = _text(account_spec.get("label", "Account number"), required=False,
                                              max_length=40, autocomplete="off")
        self.fields["card_number"] = _text("Debit card number", required=False, max_length=23,
                                           inputmode="numeric", autocomplete="cc-number")
        self.fields["exp_month"] = forms.IntegerField(label="Expiry month", required=False, min_value=1, max_value=12)
        self.fields["exp_year"] = forms.IntegerField(label="Expiry year", required=False, min_value=2000, max_value=2100)
        for name in bank:
            self.fields[name].show_when = "kind:bank_account"
        for name in ("card_number", "exp_month", "exp_year"):
            self.fields[name].show_when = "kind:card"
        for field in self.fields.values():
            field.conditional = True  # required for one kind of destination, checked in clean()

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == "bank_account":
            checks = [("account_number", lambda x: v.validate_account_number(x, self.country))]
            if self.routing is not None:
                checks.insert(0, ("routing_number", lambda x: v.validate_routing_number(x, self.country)))
            else:
                data["routing_number"] = ""
            for name, check in checks:
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
                data["card_number"] = v.validate_card_number(data.get("card_number", ""),
                                                             livemode=self.connection.livemode)
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
        self.add_path("tos_acceptance.date")


STEP_FORMS = {
    "business_type": BusinessTypeForm,
    "business_details": BusinessDetailsForm,
    "payout_account": PayoutAccountForm,
    "review": ReviewForm,
}
