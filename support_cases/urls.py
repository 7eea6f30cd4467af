from django.urls import path

from . import views

app_name = "support_cases"

urlpatterns = [
    # Operator pages, under the account's own path next to the accounts app's pages (whose
    # patterns do not match these, so resolution falls through to here).
    path("accounts/<str:account_id>/support-cases/send-link/", views.issue_link, name="issue_link"),
    path("accounts/<str:account_id>/support-cases/<str:case_id>/", views.case_detail, name="case_detail"),
    path(
        "accounts/<str:account_id>/support-cases/<str:case_id>/email/",
        views.email_support,
        name="email_support",
    ),
    # The account's hosted support page. The bearer token appears only in the entry URL (the
    # /support-link/ prefix is redacted from logs); the pages after it use the link in the session.
    path("support-link/<str:token>/", views.hosted_entry, name="hosted_entry"),
    path("support/", views.hosted_cases, name="hosted_cases"),
    path("support/new/", views.hosted_new_case, name="hosted_new_case"),
    path("support/<str:case_id>/", views.hosted_case, name="hosted_case"),
]
