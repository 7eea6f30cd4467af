from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

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
    path("", include("money.urls")),
    path("backoffice/", admin.site.urls),
]
