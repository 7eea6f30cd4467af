"""Public identifiers: a familiar prefix plus 24 random base62 characters (domain.md §2).

Integer primary keys stay internal; URLs and the UI show these.
"""

import re
import secrets
import string

from django.db import models

ALPHABET = string.ascii_letters + string.digits
ID_LENGTH = 24


# Random bytes below 248 (= 4 * 62) map evenly onto the 62 characters; the rest are dropped.
_TO_ALPHABET = bytes(ord(ALPHABET[byte % len(ALPHABET)]) for byte in range(248)) + bytes(8)
_UNEVEN = bytes(range(248, 256))


def new_public_id(prefix: str) -> str:
    # Every character uniform over the alphabet, in C (a money operation makes three of these).
    chars = b""
    while len(chars) < ID_LENGTH:
        chars += secrets.token_bytes(ID_LENGTH + 8).translate(_TO_ALPHABET, _UNEVEN)
    return prefix + chars[:ID_LENGTH].decode()


def matches_prefix(value: str, prefix: str) -> bool:
    """True when `value` is shaped like an id of `prefix` (used to reject ids on the wrong route)."""
    return bool(re.fullmatch(re.escape(prefix) + rf"[A-Za-z0-9]{{{ID_LENGTH}}}", value or ""))


class PublicIdField(models.CharField):
    """A prefixed public id filled in when the row is created: unique, and so indexed, unless the
    model passes unique=False (ids nothing looks up, on rows written by the million)."""

    def __init__(self, *args, prefix: str = "", **kwargs):
        self.prefix = prefix
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("unique", True)
        kwargs.setdefault("editable", False)
        kwargs["default"] = None
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["prefix"] = self.prefix
        kwargs.pop("default", None)
        if not self._unique:
            kwargs["unique"] = False  # left out, __init__ would make the field unique again
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if not value:
            value = new_public_id(self.prefix)
            setattr(model_instance, self.attname, value)
        return value
