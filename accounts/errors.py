"""Domain errors of accounts: each carries a sentence an operator or account holder can act on."""


class AccountError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(AccountError):
    """The actor's role does not allow this (the view answers 403)."""


class LinkNotUsable(AccountError):
    """A link that is used, expired, revoked or unknown."""

    def __init__(self, state: str):
        super().__init__(f"This link is {state}.")
        self.state = state
