from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.connection_list, name="list"),
    path("create/", views.create_account, name="create"),
    path("<str:account_id>/", views.connection_detail, name="detail"),
    path("<str:account_id>/activity/", views.connection_activity, name="activity"),
    path("<str:account_id>/onboarding-link/", views.reissue_onboarding_link, name="reissue_link"),
    path("<str:account_id>/onboarding/<slug:step>/", views.operator_onboarding, name="onboarding"),
]
