"""How the requirements engine's audit events read on Home and Activity (platform_console.timeline)."""

from platform_console.timeline import describe

SENTENCES = {
    "remediation_link.created": "created a remediation link for {account}",
    "requirement.submitted": "submitted information for {account}",
    "information_request.answered": "answered an information request about {account}",
    "verification.resolved": "resolved a verification of {account}",
    "verifications.held": "put the verifications of {account} on hold after 540 days without activity",
    "verifications.resumed": "resumed the verifications of {account}",
}


def _bulk_started(event) -> str:
    count = (event.after or {}).get("accounts", 0)
    return f"started sending remediation links to {count:,} account{'s' if count != 1 else ''}"


def _bulk_finished(event) -> str:
    after = event.after or {}
    sent, skipped, failed = (after.get(key, 0) for key in ("sent", "skipped", "failed"))
    return f"sent {sent:,} remediation link{'s' if sent != 1 else ''} ({skipped:,} skipped, {failed:,} failed)"


def register() -> None:
    for action, sentence in SENTENCES.items():
        describe(action, sentence)
    describe("remediation_links.bulk_started", _bulk_started)
    describe("remediation_links.bulk_finished", _bulk_finished)
