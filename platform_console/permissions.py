"""Permission codes and the roles the console ships with (domain.md §6).

The codes are what services and views ask for (`membership.can("accounts.create")`). Which role
holds which code is data in the Role table: `DEFAULT_ROLES` below is what the data migration
writes on a new installation, and the back office edits it afterwards.
"""

from typing import Final

VIEW_ACCOUNTS: Final = "accounts.view"
CREATE_ACCOUNTS: Final = "accounts.create"
EDIT_PROFILE: Final = "accounts.edit_profile"
SUBMIT_REQUIREMENTS: Final = "requirements.submit"
MANAGE_PERSONS: Final = "persons.manage"
EDIT_CAPABILITIES: Final = "capabilities.edit"
EDIT_PAYOUT_SCHEDULE: Final = "payouts.edit_schedule"
MANAGE_EXTERNAL_ACCOUNTS: Final = "external_accounts.manage"
CREATE_REMEDIATION_LINKS: Final = "remediation_links.create"
REJECT_ACCOUNTS: Final = "accounts.reject"
PAUSE_ACCOUNTS: Final = "accounts.pause"
VIEW_AS: Final = "accounts.view_as"
VIEW_SUPPORT_CASES: Final = "support_cases.view"
EMAIL_SUPPORT: Final = "support_cases.email"
# Contact support from a requirement or an information request: a ticket emailed to provider
# support in the platform's name, so not something a View only member may send.
FILE_SUPPORT_TICKETS: Final = "support_tickets.file"
SEND_FUNDS: Final = "money.send_funds"
SEND_TO_EXTERNAL: Final = "money.send_to_external"
REVERSE_TRANSFERS: Final = "money.reverse_transfers"
PULL_FUNDS: Final = "money.pull_funds"
ADD_TO_BALANCE: Final = "money.add_to_balance"
REMOVE_ACCOUNTS: Final = "accounts.remove"
DELETE_ACCOUNTS: Final = "accounts.delete"
VIEW_BALANCES: Final = "money.view_balances"
EXPORT_ACCOUNTS: Final = "accounts.export"
MANAGE_TEAM: Final = "team.manage"
# See the platform's emails that could not be delivered and send them again.
MANAGE_EMAILS: Final = "emails.manage"
VIEW_AUDIT_LOG: Final = "audit.view"
EDIT_PLATFORM_PROFILE: Final = "platform.edit_profile"
CHANGE_REPRESENTATIVE: Final = "persons.change_representative"

ALL: Final = frozenset(value for name, value in list(globals().items()) if name.isupper() and "." in str(value))

_SUPPORT_WORK = [
    EDIT_PROFILE,
    SUBMIT_REQUIREMENTS,
    MANAGE_PERSONS,
    EDIT_CAPABILITIES,
    EDIT_PAYOUT_SCHEDULE,
    MANAGE_EXTERNAL_ACCOUNTS,
    CREATE_REMEDIATION_LINKS,
    REJECT_ACCOUNTS,
    PAUSE_ACCOUNTS,
    VIEW_AS,
    VIEW_SUPPORT_CASES,
]

DEFAULT_ROLES: Final = [
    {
        "slug": "admin",
        "name": "Administrator",
        "description": "Full access, including moving money, removing accounts and managing the team.",
        "permissions": sorted(ALL),
    },
    {
        "slug": "developer",
        "name": "Developer",
        "description": "Creates and manages accounts; no money movement.",
        "permissions": sorted(
            {VIEW_ACCOUNTS, CREATE_ACCOUNTS, VIEW_BALANCES, EXPORT_ACCOUNTS, VIEW_AUDIT_LOG, FILE_SUPPORT_TICKETS,
             *_SUPPORT_WORK}
        ),
    },
    {
        "slug": "analyst",
        "name": "Analyst",
        "description": "Reads accounts and balances and exports them.",
        "permissions": sorted({VIEW_ACCOUNTS, VIEW_BALANCES, EXPORT_ACCOUNTS, FILE_SUPPORT_TICKETS}),
    },
    {
        "slug": "support_specialist",
        "name": "Support specialist",
        "description": "Helps accounts: edits details, remediates requirements, works support cases.",
        "permissions": sorted({VIEW_ACCOUNTS, EXPORT_ACCOUNTS, EMAIL_SUPPORT, FILE_SUPPORT_TICKETS, *_SUPPORT_WORK}),
    },
    {
        "slug": "view_only",
        "name": "View only",
        "description": "Reads accounts and balances.",
        "permissions": sorted({VIEW_ACCOUNTS, VIEW_BALANCES}),
    },
]
