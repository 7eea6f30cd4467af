"""What the outbox puts on the wire: plain text as typed, one-line subjects, one recipient, and a
Message-ID that stays the same across attempts at one email."""

import pytest
from django.core import mail

from platform_console import outbox
from platform_console.models import OutboxEmail
from platform_console.tasks import dispatch_outbox_email

pytestmark = pytest.mark.django_db
CONNECTED = "accounts/email/account_connected"
TICKET = "requirements_engine/email/support_ticket"


def connected(name: str = "Bob's <Bakery>", **fields) -> OutboxEmail:
    context = {"account_name": name, "account_id": "acct_1", "platform_name": "Rocket & Co", "livemode": True}
    return OutboxEmail.objects.create(template=CONNECTED, context=context, **{"to": "a@b.example", **fields})


def test_plain_text_is_sent_as_typed():
    dispatch_outbox_email(connected().pk)
    message = mail.outbox[0]
    assert message.subject == "Bob's <Bakery> connected to Rocket & Co"
    assert message.body.startswith("Bob's <Bakery> (acct_1) finished onboarding and is now connected to Rocket & Co.")


def test_the_html_part_is_still_escaped():
    dispatch_outbox_email(connected().pk)
    html = mail.outbox[0].alternatives[0][0]
    assert "Bob&#x27;s &lt;Bakery&gt;" in html and "<Bakery>" not in html


def test_a_line_break_in_the_subject_cannot_start_another_header():
    context = {"platform_name": "Rocket", "subject": "Help\r\nBcc: everyone@evil.example", "message": "Hi",
               "account": "acct_1", "filed_by": "ops@rocket.example"}
    email = OutboxEmail.objects.create(to="support@provider.example", template=TICKET, context=context)
    dispatch_outbox_email(email.pk)
    message = mail.outbox[0].message()
    assert message["Subject"] == "[Rocket] Help Bcc: everyone@evil.example" and message["Bcc"] is None


@pytest.mark.parametrize("to", ["a@b.example\r\nBcc: everyone@evil.example", "a@b.example, c@d.example", "nobody"])
def test_a_recipient_that_is_not_one_address_is_given_up_without_sending(to):
    email = connected(to=to)
    assert dispatch_outbox_email(email.pk) == "failed"
    email.refresh_from_db()
    assert "Not a valid recipient address" in email.last_error and mail.outbox == []


def test_every_attempt_at_an_email_carries_the_same_message_id(monkeypatch):
    email = connected()
    seen = []
    real_send = outbox.EmailMultiAlternatives.send

    def first_attempt_times_out(self, *args, **kwargs):
        seen.append(self.message()["Message-ID"])
        if len(seen) == 1:
            raise TimeoutError("the server stopped answering")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(outbox.EmailMultiAlternatives, "send", first_attempt_times_out)
    dispatch_outbox_email(email.pk)
    OutboxEmail.objects.filter(pk=email.pk).update(next_attempt_at=email.created_at)
    dispatch_outbox_email(email.pk)
    assert seen == [outbox.message_id(email)] * 2 and len(mail.outbox) == 1


def test_no_two_emails_share_a_message_id():
    assert outbox.message_id(connected()) != outbox.message_id(connected())


def test_the_message_id_is_in_the_domain_of_the_sender(settings):
    settings.DEFAULT_FROM_EMAIL = "Rocket Console <console@mail.rocket.example>"
    email = connected()
    assert outbox.message_id(email) == f"<outbox.{email.pk}.{email.message_uuid.hex}@mail.rocket.example>"
