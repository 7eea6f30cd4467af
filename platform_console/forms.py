from django import forms
from django.contrib.auth.forms import AuthenticationForm

from .models import Platform


class EmailLoginForm(AuthenticationForm):
    """Sign in with email and password; the email is matched without regard to case."""

    username = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email and password do not match an operator. Check both and try again.",
    }

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()


class PlatformProfileForm(forms.ModelForm):
    class Meta:
        model = Platform
        fields = ["legal_name", "website", "support_email", "industry", "business_description"]
        labels = {
            "legal_name": "Legal business name",
            "website": "Platform website",
            "support_email": "Support email for connected accounts",
            "industry": "What kind of platform is this?",
            "business_description": "What does your platform do?",
        }
        widgets = {"business_description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = True

    def clean_website(self) -> str:
        value = self.cleaned_data["website"]
        if not value.startswith("https://"):
            raise forms.ValidationError("Enter the address starting with https://")
        return value


def _zone_choices() -> list[tuple[str, str]]:
    import zoneinfo

    zones = sorted(zone for zone in zoneinfo.available_timezones() if "/" in zone and not zone.startswith(("Etc/", "SystemV/")))
    return [("", "The console's default"), ("UTC", "UTC"), *[(zone, zone.replace("_", " ")) for zone in zones]]


class TimeZoneForm(forms.Form):
    """The member's own time zone: every time the console shows them is in it, with its name."""

    time_zone = forms.ChoiceField(required=False, choices=_zone_choices, label="Time zone",
                                  error_messages={"invalid_choice": "Choose a time zone from the list."})
