"""How accounts' audit events read on Home and Activity (platform_console.timeline)."""

from platform_console.timeline import describe

SENTENCES = {
    "account.created": "created {account}",
    "account.profile_updated": "updated the profile of {account}",
    "account.removed": "removed {account}",
    "account.rejected": "rejected {account}",
    "accounts.exported": "exported the Connected accounts list",
    "payouts.paused": "paused payouts to {account}",
    "payouts.resumed": "resumed payouts to {account}",
    "capabilities.updated": "changed the capabilities of {account}",
    "payout_schedule.updated": "changed the payout schedule of {account}",
    "person.added": "added a person to {account}",
    "person.updated": "updated a person of {account}",
    "person.removed": "removed a person from {account}",
    "onboarding.submitted": "submitted the onboarding details of {account}",
    "onboarding_link.issued": "issued an onboarding link for {account}",
    "view_as.started": "started viewing the Dashboard as {account}",
    "view_as.page_viewed": "viewed a page of the Dashboard as {account}",
    "view_as.ended": "stopped viewing the Dashboard as {account}",
}


def register() -> None:
    for action, sentence in SENTENCES.items():
        describe(action, sentence)
