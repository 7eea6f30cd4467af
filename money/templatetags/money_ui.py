from django import template

from money import currency as currencies
from money import rules
from money.models import Entry, Payout, TopUp

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """{{ transfer.amount|money:transfer.currency }} -> "$1,250.00" (Babel, operator's locale)."""
    if amount in (None, ""):
        return "—"
    return currencies.format_money(int(amount), currency)


@register.filter
def signed_money(amount, currency: str) -> str:
    """Like `money`, with an explicit + on credits (balance activity)."""
    if amount in (None, ""):
        return "—"
    text = currencies.format_money(int(amount), currency)
    return f"+{text}" if int(amount) > 0 else text.replace("-", "−", 1)


@register.filter
def amount_input(amount, currency: str) -> str:
    return currencies.input_value(amount, currency)


@register.filter
def amount_placeholder(currency: str) -> str:
    return currencies.placeholder(currency or "usd")


PAYOUT_TONES = {
    Payout.Status.PENDING: "warning",
    Payout.Status.IN_TRANSIT: "info",
    Payout.Status.PAID: "success",
    Payout.Status.FAILED: "danger",
    Payout.Status.CANCELED: "neutral",
}
TOPUP_TONES = {
    TopUp.Status.PENDING: "warning",
    TopUp.Status.SUCCEEDED: "success",
    TopUp.Status.FAILED: "danger",
    TopUp.Status.CANCELED: "neutral",
}


@register.inclusion_tag("components/badge.html")
def payout_badge(payout: Payout, testid: str = ""):
    return {
        "tone": PAYOUT_TONES.get(payout.status, "neutral"),
        "label": payout.get_status_display(),
        "testid": testid,
    }


@register.inclusion_tag("components/badge.html")
def transfer_badge(transfer, testid: str = ""):
    """Succeeded, or Stripe's "Reversed" / "Partially reversed"."""
    status = transfer.reversal_status
    return {"tone": "neutral" if status == "Reversed" else "warning" if status else "success",
            "label": status or "Succeeded", "testid": testid}


@register.inclusion_tag("components/badge.html")
def topup_badge(topup: TopUp):
    return {"tone": TOPUP_TONES.get(topup.status, "neutral"), "label": topup.get_status_display()}


@register.filter
def destination_label(destination) -> str:
    """ "Bank account ••6789" / "Visa debit card ••5556"."""
    if destination is None:
        return "—"
    if destination.kind == "card":
        brand = destination.brand or "Debit"
        return f"{brand} card ••{destination.last4}"
    bank = destination.bank_name or "Bank account"
    return f"{bank} ••{destination.last4}"


ENTRY_LABELS = {
    Entry.Kind.TOPUP: "Top-up",
    Entry.Kind.TRANSFER: "Transfer",
    Entry.Kind.PAYOUT: "Payout",
    Entry.Kind.PAYOUT_FAILURE: "Payout returned",
    Entry.Kind.ACCOUNT_DEBIT: "Account debit",
    Entry.Kind.STRIPE_FEE: "Account debit fee",
    Entry.Kind.SETTLEMENT: "Became available",
}


@register.filter
def entry_label(entry: Entry) -> str:
    return ENTRY_LABELS.get(entry.kind, entry.get_kind_display())


@register.filter
def exponent_hint(currency: str) -> str:
    digits = currencies.exponent(currency or "usd")
    if digits == 0:
        return f"{currency.upper()} has no decimals."
    return ""


@register.filter
def bps_percent(bps) -> str:
    """150 -> "1.5%"."""
    value = int(bps or 0) / 100
    return f"{value:g}%"


register.filter("possessive", rules.possessive)
