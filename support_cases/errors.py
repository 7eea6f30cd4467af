"""Domain errors of support cases: each carries a sentence an operator or account holder can act on."""


class SupportCaseError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(SupportCaseError):
    """The actor's role does not allow this, or the case is not the actor's platform's (views answer 403)."""


class CasesHidden(SupportCaseError):
    """The platform may not see this account's cases (views answer 403 and say why)."""

    def __init__(self, reasons: list):
        super().__init__(" ".join(reason.message for reason in reasons))
        self.reasons = reasons


class CaseClosed(SupportCaseError):
    """A reply to a closed case."""
