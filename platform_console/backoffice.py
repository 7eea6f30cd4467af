"""The provider's back office (Django's admin at /backoffice/) with two-step sign-in.

Staff who have an authenticator must give a code with their password (django-otp's admin form).
Staff without one are let in only where BACKOFFICE_ALLOW_PASSWORD_ONLY is on (by default only
with DEBUG): in production a staff user needs two-step sign-in, which `manage.py
create_staff_user` sets up when it creates them.
"""

from django import forms
from django.conf import settings
from django.http import HttpRequest
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite

from . import security, throttle

NEEDS_TWO_FACTOR = ("The back office needs two-step sign-in. Ask an administrator of the console's server to "
                    "run `manage.py create_staff_user` for you, or to set up your authenticator.")


def _password_only_allowed() -> bool:
    return settings.BACKOFFICE_ALLOW_PASSWORD_ONLY


class BackofficeLoginForm(OTPAdminAuthenticationForm):
    """django-otp's admin sign-in behind the console's sign-in throttle (throttle.py): wrong
    passwords (through authenticate()) and wrong codes count, and a throttled try is refused before
    either is checked."""

    def clean(self):
        email = self.data.get("username", "")
        if self.request is not None and (refusal := throttle.check(self.request, email)):
            throttle.record(self.request, email, succeeded=False, reason=throttle.THROTTLED)
            raise forms.ValidationError(refusal.message, code="throttled")
        return super().clean()

    def clean_otp(self, user):
        if user is not None and not security.has_two_factor(user):
            if _password_only_allowed():
                return
            raise forms.ValidationError(NEEDS_TWO_FACTOR, code="two_factor_required")
        try:
            super().clean_otp(user)
        except forms.ValidationError:
            if user is not None and self.request is not None:
                security.record_code_failure(self.request, user)
            raise


class BackofficeSite(OTPAdminSite):
    site_header = "Platform Console — provider back office"
    site_title = "Back office"
    login_form = BackofficeLoginForm

    def __init__(self, name: str = "admin"):  # django-otp names its site "otpadmin"; URLs keep "admin:"
        super().__init__(name)

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        if user.is_verified():
            return True
        return _password_only_allowed() and not security.has_two_factor(user)
