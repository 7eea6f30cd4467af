"""How support cases' audit events read on Home and Activity (platform_console.timeline)."""

from platform_console.timeline import describe

SENTENCES = {
    "support_case.platform_message_sent": "emailed support about {account}",
    "support_link.issued": "sent a support link to {account}",
    "support_ticket.filed": "filed a support ticket about {account}",
}


def register() -> None:
    for action, sentence in SENTENCES.items():
        describe(action, sentence)
