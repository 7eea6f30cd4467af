"""Transfer reversals (Stripe's): full or partial, never more than the transfer, refused when the
account's balance doesn't cover them; idempotent and audited; the Reverse transfer dialog."""

import json

import pytest
from django.urls import reverse as url_of

from money import ledger, services
from money.errors import IdempotencyConflict, InsufficientFunds, InvalidAmount, OperationNotPermitted
from money.models import Entry, Posting, Transfer, TransferReversal
from platform_console.models import AuditEvent

from .factories import balance_of, platform_balance, receiving_connection

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.fixture
def transfer(funded, admin, liable):
    return services.create_transfer(
        actor=admin, connection=liable, amount=300_00, currency="usd", idempotency_key="t1"
    )


def reverse(admin, transfer, amount=None, key="r1", **kwargs):
    return services.reverse_transfer(actor=admin, transfer=transfer, amount=amount, idempotency_key=key, **kwargs)


def test_a_partial_then_a_full_reversal_take_the_funds_back(admin, transfer, liable, platform):
    first = reverse(admin, transfer, 100_00, reason="duplicate", description="Sent twice")
    transfer.refresh_from_db()
    assert first.public_id.startswith("trr_") and first.amount == 100_00 and first.reason == "duplicate"
    assert transfer.amount_reversed == 100_00 and transfer.reversal_status == "Partially reversed"
    assert balance_of(liable) == 200_00 and platform_balance(platform) == 10_000_00 - 200_00
    second = reverse(admin, transfer, key="r2")  # the rest
    transfer.refresh_from_db()
    assert second.amount == 200_00 and transfer.reversed and transfer.reversal_status == "Reversed"
    assert balance_of(liable) == 0 and platform_balance(platform) == 10_000_00
    assert ledger.check_ledger() == []
    posting = Posting.objects.filter(kind=Posting.Kind.TRANSFER_REVERSAL, entries__source_id=first.public_id).distinct().get()
    assert sorted(posting.entries.values_list("amount", flat=True)) == [-100_00, 100_00]


def test_reversals_never_sum_to_more_than_the_transfer(admin, transfer):
    reverse(admin, transfer, 250_00)
    with pytest.raises(InvalidAmount, match=r"at most \$50.00"):
        reverse(admin, transfer, 50_01, key="r2")
    reverse(admin, transfer, 50_00, key="r3")
    with pytest.raises(InvalidAmount, match="already been reversed in full"):
        reverse(admin, transfer, 1, key="r4")
    assert Transfer.objects.get(pk=transfer.pk).amount_reversed == 300_00


def test_a_stale_transfer_object_cannot_over_reverse(admin, transfer):
    """The sum is checked on the locked row, not the caller's copy."""
    stale = Transfer.objects.get(pk=transfer.pk)
    reverse(admin, transfer, 200_00)
    with pytest.raises(InvalidAmount, match=r"at most \$100.00"):
        reverse(admin, stale, 200_00, key="r2")
    assert TransferReversal.objects.count() == 1


def test_refused_when_the_accounts_balance_does_not_cover_it(admin, transfer, liable, consent):
    services.create_account_debit(actor=admin, connection=liable, amount=250_00, idempotency_key="d1")
    with pytest.raises(InsufficientFunds, match=r"available balance is \$50.00, which doesn't cover a reversal"):
        reverse(admin, transfer, 100_00)
    transfer.refresh_from_db()
    assert transfer.amount_reversed == 0 and not TransferReversal.objects.exists()
    assert not Posting.objects.filter(kind=Posting.Kind.TRANSFER_REVERSAL).exists()
    assert ledger.check_ledger() == []


def test_the_same_key_returns_the_first_reversal_and_other_parameters_are_refused(admin, transfer):
    first = reverse(admin, transfer, 100_00)
    again = reverse(admin, Transfer.objects.get(pk=transfer.pk), 100_00)
    assert again.pk == first.pk and TransferReversal.objects.count() == 1
    assert Transfer.objects.get(pk=transfer.pk).amount_reversed == 100_00
    with pytest.raises(IdempotencyConflict):
        reverse(admin, transfer, 99_00)


def test_a_replay_answers_even_once_nothing_is_left_to_reverse(admin, transfer):
    first = reverse(admin, transfer)  # all of it
    assert reverse(admin, Transfer.objects.get(pk=transfer.pk)).pk == first.pk


def test_it_is_audited_and_shows_in_both_balances_activity(admin, transfer, liable, platform):
    reversal = reverse(admin, transfer, 40_00, reason="fraudulent")
    event = AuditEvent.objects.get(action="transfer.reversed")
    assert event.object_id == reversal.public_id and event.account_public_id == liable.public_id
    assert event.after["transfer"] == transfer.public_id and event.after["amount_reversed"] == 40_00
    kinds = {(e.ledger_account.kind, e.amount) for e in Entry.objects.filter(source_id=reversal.public_id)
             .select_related("ledger_account")}
    assert kinds == {("connection", -40_00), ("platform", 40_00)}


@pytest.mark.parametrize("role", ["developer", "analyst", "support", "viewer"])
def test_only_administrators_may_reverse(request, transfer, role):
    with pytest.raises(OperationNotPermitted):
        reverse(request.getfixturevalue(role), transfer)
    assert not TransferReversal.objects.exists()


def test_another_platforms_administrator_cannot_reverse(transfer, other_platform):
    from tests.factories import MembershipFactory

    stranger = MembershipFactory(platform=other_platform, roles=["admin"])
    with pytest.raises(OperationNotPermitted):
        reverse(stranger, transfer)


# The dialog ---------------------------------------------------------------------------------


def detail(transfer):
    return reverse_url("money:transfer_detail", transfer)


def reverse_url(name, transfer):
    return url_of(name, args=[transfer.public_id])


def test_the_transfer_page_offers_reverse_transfer_and_lists_reversals(operator_client, admin, transfer):
    client = operator_client(admin)
    html = client.get(detail(transfer)).content.decode()
    assert "Reverse transfer" in html and 'data-testid="reverse-transfer-button"' in html and "No reversals" in html
    assert "disabled" not in html.split('data-testid="reverse-transfer-button"')[0].rsplit("<", 1)[-1]
    reverse(admin, transfer, 300_00, reason="sent_in_error")
    html = client.get(detail(transfer)).content.decode()
    assert "Reversed" in html and "Sent in error" in html and 'data-testid="amount-reversed">$300.00' in html
    assert "already been reversed in full" in html  # the disabled button's reason


def test_an_analyst_sees_the_button_disabled_and_cannot_open_the_dialog(operator_client, analyst, transfer):
    client = operator_client(analyst)
    html = client.get(detail(transfer)).content.decode()
    assert 'disabled aria-describedby="reverse-transfer-button-reason"' in html
    assert client.get(reverse_url("money:reverse_transfer", transfer), headers=HX).status_code == 403


def test_review_then_confirm_reverses_part_of_the_transfer(operator_client, admin, transfer, liable):
    client = operator_client(admin)
    url = reverse_url("money:reverse_transfer", transfer)
    html = client.get(url, headers=HX).content.decode()
    assert 'value="300.00"' in html and 'data-testid="reversible">$300.00' in html
    data = {"amount": "120.00", "reason": "requested_by_account", "description": "Asked by the owner",
            "idempotency_key": "dialog-1"}
    html = client.post(url, {**data, "step": "review"}, headers=HX).content.decode()
    assert "Take $120.00 of" in html and 'data-testid="reversed-after">$120.00' in html
    assert "Requested by the account" in html and not TransferReversal.objects.exists()
    response = client.post(url, {**data, "step": "confirm"}, headers=HX)
    assert response.status_code == 204
    events = json.loads(response["HX-Trigger"])
    assert events["show-toast"]["value"] == f"Reversed $120.00 of {transfer.public_id}."
    assert balance_of(liable) == 180_00
    assert TransferReversal.objects.get().description == "Asked by the owner"


@pytest.mark.parametrize(
    ("amount", "reason", "message"),
    [
        ("300.01", "other", "You can reverse at most $300.00"),
        ("0", "other", "greater than zero"),
        ("12,50", "other", "Use a point for decimals"),
        ("10.00", "", "This field is required"),
    ],
)
def test_bad_input_is_shown_next_to_the_field(operator_client, admin, transfer, amount, reason, message):
    url = reverse_url("money:reverse_transfer", transfer)
    response = operator_client(admin).post(
        url, {"amount": amount, "reason": reason, "idempotency_key": "k", "step": "review"}, headers=HX
    )
    assert response.status_code == 422 and message in response.content.decode()
    assert not TransferReversal.objects.exists()


def test_an_uncovered_reversal_is_refused_at_review(operator_client, admin, transfer, liable, consent):
    services.create_account_debit(actor=admin, connection=liable, amount=250_00, idempotency_key="d1")
    url = reverse_url("money:reverse_transfer", transfer)
    response = operator_client(admin).post(
        url, {"amount": "100.00", "reason": "other", "idempotency_key": "k", "step": "review"}, headers=HX
    )
    assert response.status_code == 422 and "cover a reversal of $100.00" in response.content.decode()


def test_another_platforms_transfer_is_not_found(operator_client, admin, other_platform):
    from tests.factories import MembershipFactory

    from .factories import fund_platform

    other_admin = MembershipFactory(platform=other_platform, roles=["admin"])
    fund_platform(other_admin, 100_00)
    theirs = services.create_transfer(actor=other_admin, connection=receiving_connection(other_platform),
                                      amount=10_00, currency="usd", idempotency_key="x")
    client = operator_client(admin)
    assert client.get(reverse_url("money:reverse_transfer", theirs), headers=HX).status_code == 404
    assert client.post(reverse_url("money:reverse_transfer", theirs),
                       {"amount": "10.00", "reason": "other", "idempotency_key": "k", "step": "confirm"},
                       headers=HX).status_code == 404
