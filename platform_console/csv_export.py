"""Streaming CSV exports (the audit log, the Connected accounts list): rows written as they are
read, cells safe to open in a spreadsheet."""

import csv
import re
from collections.abc import Iterable

from django.http import StreamingHttpResponse


class _Echo:
    def write(self, value: str) -> str:
        return value


NUMBER = re.compile(r"-?\d+(\.\d+)?")


def safe(value) -> str:
    """Spreadsheet formula injection: a cell may not start with = + - @ (or a tab or CR). A plain
    number (-12.50) is no formula and stays a number, so that sums of amounts work."""
    text = "" if value is None else str(value)
    if NUMBER.fullmatch(text):
        return text
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def response(filename: str, header: list[str], rows: Iterable[list]) -> StreamingHttpResponse:
    """A CSV download, streamed; every cell made safe."""
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([safe(cell) for cell in row])

    streamed = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    streamed["Content-Disposition"] = f'attachment; filename="{filename}"'
    return streamed
