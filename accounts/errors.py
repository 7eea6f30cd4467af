"""Domain errors of accounts: each carries a sentence an operator or account holder can act on."""


class AccountError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(AccountError):
    """The actor's role does not allow this (the view answers 403)."""


class ClearingNeedsConfirmation(AccountError):
    """A change would empty details the provider relies on; the operator has to confirm it."""

    def __init__(self, fields: list[str]):
        super().__init__(
            "Saving would empty details the provider uses to verify this account, which can restrict its "
            "payments or payouts. Confirm below that you mean to clear them, or fill them in again."
        )
        self.fields = fields


class LinkNotUsable(AccountError):
    """A link that is used, expired, revoked or unknown."""

    def __init__(self, state: str):
        super().__init__(f"This link is {state}.")
        self.state = state


class AccountRemoved(Exception):
    """The account was removed (disconnected) from this platform: every page and action for it is
    refused with a page that says so (answered by accounts.middleware)."""

    def __init__(self, connection):
        super().__init__(connection.account.public_id)
        self.connection = connection


class AccountInOtherMode(Exception):
    """The account exists on this platform, in the other mode (a test-mode link opened in live mode):
    the page says so and offers the switch, rather than a bare 404 (answered by accounts.middleware)."""

    def __init__(self, account_id: str, livemode: bool):
        super().__init__(account_id)
        self.account_id = account_id
        self.livemode = livemode  # the mode the account is in
