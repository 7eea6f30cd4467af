"""How money's audit events read on Home and Activity (platform_console.timeline)."""

from platform_console.timeline import describe

from .currency import format_money


def _amount(event) -> str:
    after = event.after or {}
    return format_money(after.get("amount"), after.get("currency", ""))


def register() -> None:
    describe("topup.created", lambda e: f"added {_amount(e)} to the balance")
    describe("topup.failed", lambda e: f"tried to add {_amount(e)} to the balance; the bank refused it")
    describe("topup.succeeded", lambda e: f"made a top-up of {_amount(e)} available")
    describe("transfer.created", lambda e: f"sent {_amount(e)} to {{account}}")
    describe("transfer.reversed", lambda e: f"reversed {_amount(e)} of a transfer to {{account}}")
    describe("payout.created", lambda e: f"{'scheduled' if (e.after or {}).get('automatic') else 'made'} a payout of "
                                         f"{_amount(e)} from {{account}}")
    describe("payout.paid", lambda e: f"completed a payout of {_amount(e)} from {{account}}")
    describe("payout.failed", lambda e: f"recorded a failed payout of {_amount(e)} from {{account}}")
    describe("account_debit.created", lambda e: f"pulled {_amount(e)} from {{account}}")
    describe("debit_consent.recorded", "recorded the consent of {account} to account debits")
    describe("debit_consent.revoked", "revoked the consent of {account} to account debits")
