"""Currencies: ISO 4217 exponents, parsing what an operator typed, and display with Babel.

Amounts are integers in the currency's minor unit everywhere (1000 = 10.00 USD, 500 = ¥500).
Parsing works on the typed digits with integers; `Decimal` appears only here, on the way out
(formatting).
"""

import re
from copy import copy
from decimal import Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import get_currency_symbol
from django.utils import translation

# domain.md §2: whole units, no minor unit.
ZERO_DECIMAL = frozenset(
    {
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    }
)
# ISO 4217 currencies with three decimals (none of them is supported for money movement yet,
# but amounts in them must never be shown with two).
THREE_DECIMAL = frozenset({"bhd", "iqd", "jod", "kwd", "lyd", "omr", "tnd"})

# What the console moves money in: the default currencies of the countries it supports
# (platform_console.countries), lowercase as everywhere else.
SUPPORTED = ("usd", "eur", "gbp", "cad", "aud", "nzd", "jpy", "hkd", "sgd", "chf")

# The largest amount one operation may move, in major units (kept far below BigInteger limits).
MAX_MAJOR_UNITS = 100_000_000


def exponent(currency: str) -> int:
    """Digits after the decimal point in `currency` (0 for JPY, 2 for USD, 3 for KWD)."""
    code = currency.lower()
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


def is_supported(currency: str) -> bool:
    return (currency or "").lower() in SUPPORTED


def max_amount(currency: str) -> int:
    return MAX_MAJOR_UNITS * 10 ** exponent(currency)


# What an operator may type, once a currency symbol and spaces are gone: ASCII digits, commas only
# between thousands ("1,250"), and a point before the decimals. `[0-9]`, never `\d`, which also
# matches "١٢٣" and "１２３"; and no exponent, so "1e3" is not a thousand.
AMOUNT = re.compile(r"(?P<units>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)(?:\.(?P<decimals>[0-9]*))?")
# Beyond this many digits before the point an amount is refused before any arithmetic.
MAX_UNIT_DIGITS = len(str(MAX_MAJOR_UNITS))


class AmountError(ValueError):
    """What was typed is not an amount of this currency; the message says why."""


def parse_amount(text: str, currency: str) -> int:
    """'1,250.50' USD -> 125050; '500' JPY -> 500. Raises AmountError with a sentence to show.

    Only what an operator means can pass: ASCII digits and at most the currency's decimals
    ("12.345" USD and "1.5" JPY are refused, not rounded)."""
    raw = (text or "").strip().replace(" ", "")
    symbol = get_currency_symbol(currency.upper(), locale="en_US")
    if symbol and raw.startswith(symbol):
        raw = raw[len(symbol) :]
    if not raw:
        raise AmountError("Enter an amount.")
    if raw.startswith("-"):
        raise AmountError("Enter an amount greater than zero.")
    match = AMOUNT.fullmatch(raw)
    if match is None or not (match["units"] or match["decimals"]):
        if "," in raw:
            # "12,50" is a decimal comma, which would otherwise read as 1250: refuse it rather
            # than guess a hundred times the amount.
            raise AmountError("Use a point for decimals and commas only between thousands, for example 1,250.50.")
        raise AmountError("Enter the amount as a number, for example 1250.00.")
    units = match["units"].replace(",", "").lstrip("0")
    decimals = match["decimals"] or ""
    digits = exponent(currency)
    if len(units) > MAX_UNIT_DIGITS:
        raise AmountError(
            f"The largest amount you can move at once is {format_money(max_amount(currency), currency)}."
        )
    if len(decimals) > digits:
        if digits == 0:
            raise AmountError(f"{currency.upper()} has no minor unit: enter a whole amount.")
        raise AmountError(f"{currency.upper()} amounts have at most {digits} decimals.")
    minor_units = int(units or "0") * 10**digits + int(decimals.ljust(digits, "0") or "0")
    if minor_units <= 0:
        raise AmountError("Enter an amount greater than zero.")
    if minor_units > max_amount(currency):
        raise AmountError(
            f"The largest amount you can move at once is {format_money(max_amount(currency), currency)}."
        )
    return minor_units


def to_decimal(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-exponent(currency))


def input_value(amount: int | None, currency: str) -> str:
    """An amount as it goes back into an input: '1250.00', '500' for JPY."""
    if amount is None:
        return ""
    digits = exponent(currency)
    return f"{to_decimal(amount, currency):.{digits}f}"


def _locale() -> str:
    return _to_locale(translation.get_language() or "en-us")


@lru_cache(maxsize=64)
def _to_locale(language: str) -> str:
    return translation.to_locale(language)


@lru_cache(maxsize=64)
def _pattern(locale: str, digits: int):
    try:
        parsed = Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        parsed = Locale.parse("en_US")
    # The locale's own currency pattern (symbol position, separators), with the number of
    # decimals of the currency as ISO 4217 has it rather than CLDR's guess.
    pattern = copy(parsed.currency_formats["standard"])
    pattern.frac_prec = (digits, digits)
    return parsed, pattern


@lru_cache(maxsize=256)
def _formatter(locale: str, currency: str, digits: int):
    """Babel's formatting of `currency` in `locale`, or a faster equal one: Babel works through
    the pattern on every call (30 µs; 25 of them on each page of the Connected accounts list).
    Where the pattern is the common kind (groups of three, the sign and the symbol before or
    after), Python's own digit grouping with the locale's symbols swapped in does the same; it is
    used only if it gives exactly Babel's text for a set of probe amounts, else Babel is."""
    parsed, pattern = _pattern(locale, digits)
    code = currency.upper()

    def babel(value: Decimal) -> str:
        return pattern.apply(value, parsed, currency=code, currency_digits=False)

    if pattern.grouping != (3, 3) or pattern.scale or pattern.int_prec[0] != 1:
        return babel
    symbols = parsed.number_symbols.get(parsed.default_numbering_system or "latn") or {}
    try:
        separators = str.maketrans({",": symbols["group"], ".": symbols["decimal"]})
        symbol = get_currency_symbol(code, parsed)
        minus = symbols["minusSign"]
    except (KeyError, TypeError):
        return babel
    prefixes = [part.replace("¤", symbol).replace("-", minus) for part in pattern.prefix]
    suffixes = [part.replace("¤", symbol).replace("-", minus) for part in pattern.suffix]

    def fast(value: Decimal) -> str:
        negative = value < 0
        number = f"{-value if negative else value:,.{digits}f}".translate(separators)
        return f"{prefixes[negative]}{number}{suffixes[negative]}"

    probes = [Decimal(n).scaleb(-digits) for n in (0, 1, -1, 7, 99, -250, 100_000, 123_456_789, -987_654_321_012)]
    return fast if all(fast(value) == babel(value) for value in probes) else babel


def format_money(amount: int | None, currency: str, locale: str | None = None) -> str:
    """Minor units -> '$1,250.00', '¥500', '-€3.10', in the operator's locale."""
    if amount is None or not currency:
        return "—"
    digits = exponent(currency)
    return _formatter(locale or _locale(), currency.lower(), digits)(to_decimal(amount, currency))


def currency_label(currency: str) -> str:
    return currency.upper()


def placeholder(currency: str) -> str:
    digits = exponent(currency)
    return "0" if digits == 0 else "0." + "0" * digits
