"""Log filters. Hosted-page URLs carry bearer tokens (domain.md §9): they are never logged."""

import logging
import re
from collections.abc import Mapping

BEARER_PATH = re.compile(r"(/(?:onboard|remediate|support-link|invite)/)[^/\s\"?]+")


def redact(text: str) -> str:
    return BEARER_PATH.sub(r"\1[redacted]", text)


class RedactBearerLinks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, Mapping):
            record.args = {k: redact(a) if isinstance(a, str) else a for k, a in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            record.request = None  # the default formatter would print the request line with the token
        return True
