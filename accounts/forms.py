from django import forms

from platform_console.countries import COUNTRY_CHOICES

from .models import Connection


class ConnectionFilterForm(forms.Form):
    """The search box and filters of the Connected accounts list. Never invalid: a value that is
    not one of the choices is dropped, and the search text is interpreted by the selector."""

    q = forms.CharField(required=False, strip=True)
    status = forms.ChoiceField(required=False, choices=[("", "All statuses"), *Connection.Status.choices])
    access = forms.ChoiceField(
        required=False, choices=[("", "Any Dashboard access"), *Connection.DashboardType.choices]
    )
    country = forms.ChoiceField(required=False, choices=[("", "All countries"), *COUNTRY_CHOICES])
    after = forms.CharField(required=False)
    before = forms.CharField(required=False)

    def filters(self) -> dict[str, str]:
        cleaned: dict[str, str] = {}
        self.is_valid()
        for name in self.fields:
            cleaned[name] = self.cleaned_data.get(name) or ""
        return cleaned
