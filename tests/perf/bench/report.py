"""The benchmark's results: one table (figure, value, baseline, ratio, target) and the same as JSON."""

import json
import math
import statistics
from dataclasses import asdict, dataclass, field


def percentile(samples: list[float], p: float) -> float:
    """The p-th percentile (0–100) with linear interpolation between the closest ranks."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def spread(values: list[float | None]) -> dict | None:
    """The median, least and most of one figure over repeated runs, so that a report gives the
    typical run and how far the others strayed rather than whichever run came last. Values a run
    could not measure (None) are left out; None when no run measured it."""
    known = [value for value in values if value is not None]
    if not known:
        return None
    return {"median": statistics.median(known), "min": min(known), "max": max(known)}


@dataclass
class Latency:
    """Server time of one page over many requests, in milliseconds."""

    samples_ms: list[float]
    queries: int | None = None
    cpu_ms: float | None = None  # this process's CPU per request (Python and the driver; not PostgreSQL's)

    @property
    def p50(self) -> float:
        return percentile(self.samples_ms, 50)

    @property
    def p95(self) -> float:
        return percentile(self.samples_ms, 95)

    @property
    def p99(self) -> float:
        return percentile(self.samples_ms, 99)

    def as_dict(self) -> dict:
        return {
            "n": len(self.samples_ms),
            "p50_ms": round(self.p50, 2),
            "p95_ms": round(self.p95, 2),
            "p99_ms": round(self.p99, 2),
            "max_ms": round(max(self.samples_ms), 2) if self.samples_ms else None,
            **({"queries": self.queries} if self.queries is not None else {}),
            **({"cpu_ms": round(self.cpu_ms, 2)} if self.cpu_ms is not None else {}),
        }

    def text(self) -> str:
        return f"{self.p50:.1f} / {self.p95:.1f} / {self.p99:.1f} ms"


@dataclass
class Figure:
    key: str
    label: str
    value: str  # as printed
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    met: bool | None = None
    data: dict = field(default_factory=dict)  # the numbers behind the printed cells


class Report:
    def __init__(self, *, accounts: int, machine: dict, dataset: dict):
        self.accounts = accounts
        self.machine = machine
        self.dataset = dataset
        self.figures: list[Figure] = []
        self.notes: list[str] = []

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        return figure

    def rows(self) -> list[tuple[str, str, str, str, str]]:
        rows = []
        for f in self.figures:
            mark = "" if f.met is None else (" ✓" if f.met else " ✗")
            rows.append((f.label, f.value, f.baseline, f.ratio, (f.target + mark).strip()))
        return rows

    def table(self, *, markdown: bool = False) -> str:
        header = ("figure", "value (p50 / p95 / p99)", "baseline", "ratio", "target")
        rows = self.rows()
        if markdown:
            lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
            lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
            return "\n".join(lines)
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        line = "  ".join("-" * w for w in widths)
        out = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)), line]
        out += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
        return "\n".join(out)

    def as_dict(self) -> dict:
        return {
            "accounts": self.accounts,
            "machine": self.machine,
            "dataset": self.dataset,
            "figures": [asdict(f) for f in self.figures],
            "targets_met": all(f.met for f in self.figures if f.met is not None),
            "notes": self.notes,
        }

    def write_json(self, path: str) -> None:
        with open(path, "w") as out:
            json.dump(self.as_dict(), out, indent=2, default=str)
            out.write("\n")
