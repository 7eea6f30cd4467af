"""Field formats per country (domain.md §11.2 "Validation formats"). Each validator raises a
ValidationError whose message an account holder or operator can act on."""

import re
from datetime import date

from django.core.exceptions import ValidationError

from . import field_catalogue as catalogue

# Every per-country format (postal codes, states, tax ids, identity numbers, bank details) is data in
# the field catalogue (data/fields.json, "countries"): a new country adds its formats there.
E164 = re.compile(r"\+[1-9]\d{6,14}")


def digits(value: str) -> str:
    return re.sub(r"[\s\-.]", "", value or "")


def _format(value: str, country: str, name: str, code: str, default_message: str) -> str:
    spec = catalogue.country_format(country, name) or {}
    cleaned = catalogue.normalize(value or "", spec.get("normalize"))
    if not re.fullmatch(spec.get("pattern", r".+"), cleaned):
        raise ValidationError(spec.get("message", default_message), code=code)
    return cleaned


def validate_postal_code(value: str, country: str) -> str:
    return _format(value, country, "postal_code", "invalid_postal_code", "Enter a postal code.").upper()


def validate_state(value: str, country: str) -> str:
    value = value.strip().upper()
    spec = catalogue.country_format(country, "state")
    if spec is None:
        return value
    if ("values" in spec and value not in spec["values"]) or not value:
        raise ValidationError(spec.get("message", "Enter the state or province."), code="invalid_state")
    return value


def validate_tax_id(value: str, country: str) -> str:
    return _format(value, country, "tax_id", "invalid_tax_id_format", "Enter the company's tax id.")


def validate_phone(value: str) -> str:
    cleaned = re.sub(r"[\s\-().]", "", value or "")
    if cleaned == "0000000000":  # the test-mode phone that always passes (domain.md §10)
        return cleaned
    if not E164.fullmatch(cleaned):
        raise ValidationError("Enter the number in international format, such as +14155550123.", code="invalid_phone")
    return cleaned


def validate_https_url(value: str) -> str:
    value = value.strip()
    if not re.fullmatch(r"https://[^\s/$.?#][^\s]*", value) or len(value) > 500:
        raise ValidationError("Enter a website address starting with https://", code="invalid_url_format")
    return value


def validate_adult(value: date, *, today: date) -> date:
    if value > today:
        raise ValidationError("The date of birth cannot be in the future.", code="invalid_dob")
    age = today.year - value.year - ((today.month, today.day) < (value.month, value.day))
    if age < 18:
        raise ValidationError("The person must be at least 18 years old.", code="invalid_dob_age_under_18")
    if age > 120 and value.year > 1902:
        raise ValidationError("Check the year of birth.", code="invalid_dob_age_over_maximum")
    return value


def validate_ssn_last_4(value: str) -> str:
    cleaned = digits(value)
    if not re.fullmatch(r"\d{4}", cleaned):
        raise ValidationError("Enter the last 4 digits of the Social Security number.", code="invalid_ssn_last_4")
    return cleaned


def validate_id_number(value: str, country: str) -> str:
    return _format(value, country, "id_number", "invalid_id_number", "Enter the national identity number.")


def validate_routing_number(value: str, country: str) -> str:
    return _format(value, country, "routing_number", "invalid_routing", "Enter the bank's routing or sort code.")


def validate_account_number(value: str, country: str = "") -> str:
    return _format(value, country, "account_number", "invalid_account_number", "Enter the account number.")


def luhn_ok(number: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(number)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def validate_card_number(value: str, *, livemode: bool = True) -> str:
    """A payout card number. Payouts go to debit cards only (domain.md §3.9): in test mode the
    provider's test numbers say their funding, and a credit or prepaid card is refused."""
    cleaned = digits(value)
    if not re.fullmatch(r"\d{12,19}", cleaned) or not luhn_ok(cleaned):
        raise ValidationError("Enter a valid debit card number.", code="invalid_card_number")
    if not livemode:
        funding = catalogue.load().test_cards.get(cleaned)
        if funding in ("credit", "prepaid"):
            raise ValidationError(
                f"This is a {funding} card: payouts can only go to a debit card. "
                "In test mode, use a test debit card such as 4000 0566 5566 5556.", code="card_not_debit")
        if funding is None:
            raise ValidationError("In test mode, use a test debit card such as 4000 0566 5566 5556 (Visa) "
                                  "or 5200 8282 8282 8210 (Mastercard).", code="card_not_test")
    return cleaned


def card_brand(number: str) -> str:
    if number.startswith("4"):
        return "Visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or "2221" <= number[:4] <= "2720":
        return "Mastercard"
    if number.startswith(("6011", "65")):
        return "Discover"
    if number.startswith(("34", "37")):
        return "American Express"
    return "Card"


VALIDATORS = {
    "postal_code": validate_postal_code,
    "state": validate_state,
    "tax_id": validate_tax_id,
    "id_number": validate_id_number,
    "ssn_last_4": lambda value, country: validate_ssn_last_4(value),
    "phone": lambda value, country: validate_phone(value),
    "https_url": lambda value, country: validate_https_url(value),
}


def validate_path(path: str, value, *, country: str, livemode: bool, today: date):
    """Validate the value of one requirement path as the catalogue says. In test mode the magic values
    of domain.md §10 are accepted before any format check, in every country."""
    entry = catalogue.lookup(path)
    if entry is None or value in (None, ""):
        return value
    if not livemode and catalogue.is_magic(path, value):
        return catalogue.normalize(str(value), "digits") if entry.test_mode.get("match") == "digits" else value
    if entry.validate == "adult":
        return validate_adult(value, today=today)
    if entry.validate:
        return VALIDATORS[entry.validate](value, country)
    return value
