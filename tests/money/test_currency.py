import pytest
from django.template import Context, Template
from django.utils import translation

from money.currency import AmountError, exponent, format_money, input_value, parse_amount


@pytest.mark.parametrize(
    "currency,digits",
    [
        ("usd", 2),
        ("eur", 2),
        ("jpy", 0),
        ("krw", 0),
        ("vnd", 0),
        ("xof", 0),
        ("kwd", 3),
        ("bhd", 3),
        ("JPY", 0),
    ],
)
def test_exponents_follow_iso_4217(currency, digits):
    assert exponent(currency) == digits


@pytest.mark.parametrize(
    "text,currency,minor",
    [
        ("12.50", "usd", 1250),
        ("1,250", "usd", 125000),
        ("1250.5", "eur", 125050),
        ("$3", "usd", 300),
        (" 0.01 ", "gbp", 1),
        ("500", "jpy", 500),
        ("1.234", "kwd", 1234),
    ],
)
def test_it_parses_what_operators_type_into_minor_units(text, currency, minor):
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    "text,currency,message",
    [
        ("", "usd", "Enter an amount"),
        ("abc", "usd", "as a number"),
        ("1e400", "usd", "as a number"),
        ("NaN", "usd", "as a number"),
        ("0", "usd", "greater than zero"),
        ("-5", "usd", "greater than zero"),
        ("1.005", "usd", "at most 2 decimals"),
        ("500.5", "jpy", "no minor unit"),
        ("100000001", "usd", "largest amount"),
    ],
)
def test_it_refuses_what_is_not_an_amount_of_the_currency(text, currency, message):
    with pytest.raises(AmountError, match=message):
        parse_amount(text, currency)


@pytest.mark.parametrize(
    "text,currency",
    [
        ("1e3", "usd"),  # Decimal reads it as a thousand
        ("1E3", "jpy"),
        ("١٢٣", "usd"),  # Arabic-Indic digits, which Decimal and int() read as 123
        ("۱۲۳", "usd"),  # Extended Arabic-Indic
        ("１２３", "jpy"),  # fullwidth
        ("12.٥٠", "usd"),
        ("1_000", "usd"),
        ("+5", "usd"),
        ("Infinity", "usd"),
        ("0x10", "usd"),
        ("1.2.3", "usd"),
    ],
)
def test_only_ascii_digits_written_out_are_an_amount(text, currency):
    with pytest.raises(AmountError, match="as a number"):
        parse_amount(text, currency)


@pytest.mark.parametrize(
    "text,currency,message",
    [
        ("12.345", "usd", "at most 2 decimals"),
        ("12.340", "usd", "at most 2 decimals"),  # not silently read as 12.34
        ("1.5", "jpy", "no minor unit"),
        ("500.0", "jpy", "no minor unit"),
        ("1.2345", "kwd", "at most 3 decimals"),
    ],
)
def test_more_decimals_than_the_currency_has_are_refused(text, currency, message):
    with pytest.raises(AmountError, match=message):
        parse_amount(text, currency)


@pytest.mark.parametrize(
    "text,currency,minor",
    [(".50", "usd", 50), ("12.5", "usd", 1250), ("12.", "usd", 1200), ("007", "jpy", 7), ("1 250.50", "eur", 125050)],
)
def test_what_an_operator_types_still_parses(text, currency, minor):
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    "amount,currency,text",
    [
        (125000, "usd", "$1,250.00"),
        (500, "jpy", "¥500"),
        (-310, "eur", "-€3.10"),
        (1000, "kwd", "KWD1.000"),
        (0, "gbp", "£0.00"),
    ],
)
def test_it_formats_with_babel(amount, currency, text):
    assert format_money(amount, currency, locale="en_US") == text


def test_formatting_follows_the_operators_locale():
    assert format_money(125000, "eur", locale="de_DE") == "1.250,00\xa0€"
    with translation.override("fr"):
        assert format_money(125000, "usd") == "1\u202f250,00\xa0$US"


def test_input_values_keep_the_currencys_decimals():
    assert input_value(125000, "usd") == "1250.00"
    assert input_value(500, "jpy") == "500"


def test_the_money_template_filter_formats_minor_units():
    html = Template(
        "{% load money_ui %}{{ 125050|money:'usd' }} {{ 500|money:'jpy' }} {{ None|money:'usd' }}"
    ).render(Context())
    assert html == "$1,250.50 ¥500 —"



def test_the_fast_formatting_is_babels_text_in_every_locale_it_serves():
    """money.currency takes a faster path than Babel's only where it gave Babel's exact text for
    its probe amounts; here every Babel locale, four currencies and amounts the probes never tried
    must agree with Babel's own formatting too (and a locale it cannot serve, such as en_IN with
    its groups of two, is formatted by Babel)."""
    import random

    from babel import localedata

    from money.currency import _formatter, _pattern, exponent, format_money, to_decimal

    rng = random.Random(5)
    amounts = [0, 5, -5, 1234, -99999, 10**9 + 7, *(rng.randint(-10**13, 10**13) for _ in range(40))]
    served = 0
    for locale in localedata.locale_identifiers():
        for currency in ("usd", "eur", "jpy", "bhd"):
            digits = exponent(currency)
            if _formatter(locale, currency, digits).__name__ != "fast":
                continue
            served += 1
            parsed, pattern = _pattern(locale, digits)
            for amount in amounts:
                babel = pattern.apply(to_decimal(amount, currency), parsed, currency=currency.upper(), currency_digits=False)
                assert format_money(amount, currency, locale) == babel, (locale, currency, amount)
    assert served > 1000  # most locales take the fast path
    assert _formatter("en_IN", "usd", 2).__name__ == "babel"
    assert format_money(123456789, "usd", "en_IN") == "$12,34,567.89"
