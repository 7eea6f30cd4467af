"""Countries the console supports for connected accounts, with their default currencies."""

from babel import Locale

DEFAULT_CURRENCY = {
    "US": "usd",
    "CA": "cad",
    "GB": "gbp",
    "FR": "eur",
    "DE": "eur",
    "IE": "eur",
    "NL": "eur",
    "ES": "eur",
    "IT": "eur",
    "JP": "jpy",
    "AU": "aud",
    "NZ": "nzd",
    "HK": "hkd",
    "SG": "sgd",
    "CH": "chf",
}

_english = Locale("en")


def country_name(code: str) -> str:
    return _english.territories.get(code.upper(), code.upper()) if code else ""


COUNTRY_CHOICES = sorted(((code, country_name(code)) for code in DEFAULT_CURRENCY), key=lambda pair: pair[1])
