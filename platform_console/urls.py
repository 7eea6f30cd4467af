from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from accounts import hosted_views
from accounts import urls as account_urls
from requirements_engine import hosted_views as remediation_views

from . import views

admin.site.site_header = "Platform Console — provider back office"
admin.site.site_title = "Back office"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("platform/switch/", views.switch_platform, name="switch_platform"),
    path("mode/", views.set_mode, name="set_mode"),
    path("accounts/", include("accounts.urls")),
    path("view-as/", include((account_urls.view_as_urlpatterns, "view_as"))),
    path("", include("money.urls")),
    path("", include("support_cases.urls")),
    path("", include("requirements_engine.urls")),
    path("settings/profile/", views.platform_profile, name="platform_profile"),
    # Hosted pages for account holders: no operator login.
    path("onboard/<str:token>/", hosted_views.onboard_entry, name="onboard_entry"),
    path("onboarding/done/", hosted_views.onboard_done, name="onboard_done"),
    path("onboarding/<slug:step>/", hosted_views.onboard_step, name="onboard_step"),
    path("remediate/<str:token>/", remediation_views.remediate_entry, name="remediate_entry"),
    path("backoffice/", admin.site.urls),
    path("favicon.ico", RedirectView.as_view(url=static("img/favicon.svg"), permanent=True)),
]
