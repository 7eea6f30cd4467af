"""The Connected accounts list as CSV rows (platform_console/exports.py streams or writes them)."""

import json

from platform_console import permissions
from platform_console.exports import Exporter

from . import hooks, selectors


def _matching(membership, livemode: bool, params: dict):
    return selectors.search_list(platform=membership.platform, livemode=livemode, filters=params)


def count(membership, livemode: bool, params: dict, limit: int | None) -> int:
    matching = _matching(membership, livemode, params).order_by()  # counted before the columns' annotations
    return (matching[: limit + 1] if limit is not None else matching).count()


def rows(membership, livemode: bool, params: dict):
    """The list's accounts; with `remediation_links` (and a role that may create them), each with a
    fresh remediation link (not emailed: the platform hands them on; each link audited)."""
    columns = [c for c in hooks.columns_for(membership) if c.text is not None]
    issue = hooks.remediation_link_issuer(membership) if params.get("remediation_links") else None
    header = ["id", "name", "email", "country", "status", "dashboard_access", "past_due", "currently_due",
              "current_deadline", *[col.header.lower().replace(" ", "_") for col in columns], "created", "metadata",
              *(["remediation_link"] if issue else [])]
    connections = hooks.annotate_list(_matching(membership, livemode, params), columns).select_related("account")
    lines = (
        [c.account.public_id, c.account.display_name, c.account.email, c.account.country, c.get_status_display(),
         c.get_dashboard_type_display(), c.past_due_count, c.currently_due_count,
         c.current_deadline.isoformat() if c.current_deadline else "", *[col.text(c) for col in columns],
         c.created_at.isoformat(), json.dumps(c.metadata, sort_keys=True) if c.metadata else "",
         *([issue(membership, c)] if issue else [])]
        for c in connections.order_by("-created_at", "-id").iterator(chunk_size=2000)
    )
    return header, lines


EXPORTER = Exporter(kind="connected-accounts", label="Connected accounts", permissions=(permissions.EXPORT_ACCOUNTS,),
                    rows=rows, count=count)
