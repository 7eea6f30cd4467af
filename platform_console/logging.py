"""Log filters. Hosted-page URLs carry bearer tokens (domain.md §9): they are never logged."""

import json
import logging
import re
import time
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


# The fields a request line carries (request_log.py), printed after the message in text and as
# keys in JSON.
REQUEST_FIELDS = ("request_id", "user", "platform", "method", "path", "status", "duration_ms")


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = redact(super().format(record))  # tracebacks included
        extra = " ".join(f"{name}={redact(str(getattr(record, name)))}" for name in REQUEST_FIELDS
                         if getattr(record, name, "") not in ("", None))
        return f"{line} {extra}" if extra else line


class JsonFormatter(logging.Formatter):
    """One JSON object a line (LOG_FORMAT=json), for log collectors. Times are UTC."""

    converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for name in REQUEST_FIELDS:
            value = getattr(record, name, None)
            if value not in ("", None):
                entry[name] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)
