"""Forms of support cases: parse and validate what was typed. They never save (services do).

Text is kept exactly as typed (after trimming): a message containing HTML is stored as text and
escaped wherever it is rendered.
"""

from django import forms

from .models import SupportCase
from .services import BODY_MAX, SUBJECT_MAX


def _text(
    *, label: str, limit: int, required_message: str, rows: int = 0, help_text: str = ""
) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(
        label=label,
        max_length=limit,
        strip=True,
        widget=widget,
        help_text=help_text,
        error_messages={
            "required": required_message,
            "max_length": "Keep it to %(limit_value)s characters or fewer (this has %(show_value)s).",
        },
    )


class PlatformNoteForm(forms.Form):
    """The **Send support an email** form on a case page."""

    body = _text(
        label="Message to provider support",
        limit=BODY_MAX,
        rows=6,
        required_message="Write the context you want provider support to have.",
        help_text="Provider support receives this by email. The account never sees it.",
    )


class OpenCaseForm(forms.Form):
    """The account's new case, on its hosted support page."""

    category = forms.ChoiceField(
        label="What is it about?",
        choices=[("", "Choose a topic"), *SupportCase.Category.choices],
        error_messages={
            "required": "Choose what the case is about.",
            "invalid_choice": "Choose one of the topics in the list.",
        },
    )
    subject = _text(label="Subject", limit=SUBJECT_MAX, required_message="Give your case a short subject.")
    description = _text(
        label="Describe the problem",
        limit=BODY_MAX,
        rows=7,
        required_message="Tell support what happened.",
        help_text="Include dates, amounts and any ids (payout, transfer) that help support find it. "
        "Never send card numbers or passwords.",
    )


class ReplyForm(forms.Form):
    """The account's reply on one of its cases."""

    body = _text(
        label="Your reply", limit=BODY_MAX, rows=5, required_message="Write your reply before sending it."
    )
