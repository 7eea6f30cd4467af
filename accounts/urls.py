from django.urls import path

from . import manage_views, view_as_views, views

app_name = "accounts"

urlpatterns = [
    path("", views.connection_list, name="list"),
    path("export.csv", views.connection_export, name="export"),
    path("create/", views.create_account, name="create"),
    path("<str:account_id>/", views.connection_detail, name="detail"),
    path("<str:account_id>/activity/", views.connection_activity, name="activity"),
    path("<str:account_id>/onboarding-link/", views.reissue_onboarding_link, name="reissue_link"),
    path("<str:account_id>/onboarding/<slug:step>/", views.operator_onboarding, name="onboarding"),
    path("<str:account_id>/profile/", manage_views.profile_section, name="profile"),
    path("<str:account_id>/capabilities/", manage_views.capabilities_section, name="capabilities"),
    path("<str:account_id>/payout-schedule/", manage_views.payout_schedule_section, name="payout_schedule"),
    path("<str:account_id>/persons/new/", manage_views.person_form, name="person_add"),
    path("<str:account_id>/persons/<str:person_id>/edit/", manage_views.person_form, name="person_edit"),
    path("<str:account_id>/persons/<str:person_id>/remove/", manage_views.person_remove, name="person_remove"),
    path("<str:account_id>/remove/", manage_views.remove_account, name="remove"),
    path("<str:account_id>/reject/", manage_views.reject_account, name="reject"),
    path("<str:account_id>/payouts/pause/", manage_views.pause_payouts, name="pause_payouts"),
    path("<str:account_id>/payouts/resume/", manage_views.resume_payouts, name="resume_payouts"),
    path("<str:account_id>/view-as/", view_as_views.start, name="view_as_start"),
]

# The account-side dashboard shown while viewing as an account (mounted at /view-as/).
view_as_urlpatterns = [
    path("", view_as_views.home, name="home"),
    path("payouts/", view_as_views.payouts, name="payouts"),
    path("profile/", view_as_views.profile, name="profile"),
    path("support/", view_as_views.support, name="support"),
    path("exit/", view_as_views.exit_view_as, name="exit"),
]
