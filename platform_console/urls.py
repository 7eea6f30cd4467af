from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import hosted_views
from accounts import urls as account_urls
from requirements_engine import hosted_views as remediation_views

from . import audit_views, email_views, export_views, health, security_views, team_views, views
from .decorators import public_page

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", public_page(security_views.LoginView.as_view()), name="login"),
    path("login/verify/", security_views.login_verify, name="login_verify"),
    path("logout/", public_page(auth_views.LogoutView.as_view()), name="logout"),
    path("platform/switch/", views.switch_platform, name="switch_platform"),
    path("mode/", views.set_mode, name="set_mode"),
    path("accounts/", include("accounts.urls")),
    path("view-as/", include((account_urls.view_as_urlpatterns, "view_as"))),
    path("", include("money.urls")),
    path("", include("support_cases.urls")),
    path("", include("requirements_engine.urls")),
    path("settings/profile/", views.platform_profile, name="platform_profile"),
    path("settings/team/", team_views.team_page, name="team"),
    path("settings/security/", security_views.security_settings, name="security_settings"),
    path("settings/emails/", email_views.failed_emails, name="failed_emails"),
    path("invite/<str:token>/", team_views.accept_invitation, name="accept_invitation"),
    path("exports/<str:job_id>/", export_views.export_detail, name="export_detail"),
    path("exports/<str:job_id>/download/", export_views.export_download, name="export_download"),
    path("audit/", audit_views.audit_log, name="audit_log"),
    path("audit/export.csv", audit_views.audit_export, name="audit_export"),
    # Hosted pages for account holders: no operator login.
    path("onboard/<str:token>/", hosted_views.onboard_entry, name="onboard_entry"),
    path("onboarding/done/", hosted_views.onboard_done, name="onboard_done"),
    path("onboarding/<slug:step>/", hosted_views.onboard_step, name="onboard_step"),
    path("remediate/<str:token>/", remediation_views.remediate_entry, name="remediate_entry"),
    path("backoffice/", admin.site.urls),
    path("favicon.ico", views.favicon),
    path("healthz", health.healthz, name="healthz"),
]
