"""Parse what the operator typed into typed values ("1,250.00" USD becomes 125000). Forms never
write; limits that need a lock are the services' job."""

from datetime import datetime

from django import forms
from django.utils import timezone

from . import currency as currencies
from . import magic
from .idempotency import MAX_KEY_LENGTH
from .models import TransferReversal

CURRENCY_CHOICES = [(code, code.upper()) for code in currencies.SUPPORTED]


class AmountInput(forms.TextInput):
    """Text, not type=number: browsers reformat numbers by locale and drop what they don't like."""

    def __init__(self, attrs=None):
        super().__init__(
            {"inputmode": "decimal", "autocomplete": "off", "class": "amount-input", **(attrs or {})}
        )


class MoneyForm(forms.Form):
    """Amount (text) + currency, an idempotency key and an optional description."""

    amount = forms.CharField(label="Amount", max_length=40, widget=AmountInput())
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=200,
        help_text="Shown in transaction lists.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    idempotency_key = forms.CharField(max_length=MAX_KEY_LENGTH, widget=forms.HiddenInput)

    def currency_value(self) -> str:
        return self.cleaned_data.get("currency", "")

    def clean(self):
        cleaned = super().clean()
        currency = self.currency_value()
        if currency and "amount" in cleaned:
            try:
                cleaned["amount_minor"] = currencies.parse_amount(cleaned["amount"], currency)
            except currencies.AmountError as error:
                self.add_error("amount", str(error))
        return cleaned


def currency_select() -> forms.Select:
    return forms.Select(
        attrs={"class": "amount-currency", "aria-label": "Currency", "data-testid": "currency-select"}
    )


class AddToBalanceForm(MoneyForm):
    currency = forms.ChoiceField(label="Currency", choices=CURRENCY_CHOICES, widget=currency_select())
    source_token = forms.ChoiceField(
        label="Test bank account",
        required=False,
        choices=[(token, token) for token in magic.TOPUP_TOKENS],
        help_text="Test mode only: btok_us_verified succeeds; the others fail with their code.",
    )

    field_order = ["amount", "currency", "source_token", "description", "idempotency_key"]

    def __init__(self, *args, livemode: bool, default_currency: str, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("currency", default_currency)
        super().__init__(*args, **kwargs)
        self.livemode = livemode
        if livemode:
            del self.fields["source_token"]


class SendFundsForm(MoneyForm):
    destination = forms.CharField(max_length=40, widget=forms.HiddenInput, required=False)
    currency = forms.ChoiceField(label="Currency", choices=CURRENCY_CHOICES, widget=currency_select())
    # "balance", or the public id of a bank account / card of the destination.
    send_to = forms.CharField(required=False, max_length=40, initial="balance")

    field_order = ["destination", "amount", "currency", "send_to", "description", "idempotency_key"]

    def clean_destination(self) -> str:
        value = (self.cleaned_data.get("destination") or "").strip()
        if not value:
            raise forms.ValidationError("Choose the account to send funds to.")
        return value

    def clean_send_to(self) -> str:
        return (self.cleaned_data.get("send_to") or "balance").strip() or "balance"


class PullFundsForm(MoneyForm):
    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency

    def currency_value(self) -> str:
        return self.currency


class ReverseTransferForm(PullFundsForm):
    reason = forms.ChoiceField(label="Reason", choices=[("", "Choose a reason…"), *TransferReversal.Reason.choices])

    field_order = ["amount", "reason", "description", "idempotency_key"]


class DebitConsentForm(forms.Form):
    granted_by = forms.CharField(
        label="Granted by",
        max_length=254,
        help_text="The account holder's representative who agreed (name or email).",
    )
    granted_at = forms.DateTimeField(
        label="Agreed on",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )
    ip = forms.GenericIPAddressField(
        label="IP address", required=False, help_text="Where the holder agreed, if known."
    )
    confirm = forms.BooleanField(
        label="The account holder agreed to this text; I can produce the record if asked.",
    )

    def clean_granted_at(self) -> datetime:
        value = self.cleaned_data["granted_at"]
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        if value > timezone.now():
            raise forms.ValidationError("Consent can't be dated in the future.")
        return value
