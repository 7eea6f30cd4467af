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


def register() -> None:
    for action, sentence in SENTENCES.items():
        describe(action, sentence)
