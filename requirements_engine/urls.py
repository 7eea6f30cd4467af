from django.urls import path

from . import bulk_views, hosted_views, views

app_name = "requirements_engine"

urlpatterns = [
    path("accounts/<str:account_id>/requirements/<str:path>/", views.requirement_detail, name="requirement"),
    path("accounts/<str:account_id>/requirements/<str:path>/submit/", views.submit_information, name="submit"),
    path("accounts/<str:account_id>/remediation-link/", views.remediation_link, name="remediation_link"),
    path("accounts/<str:account_id>/contact-support/", views.contact_support, name="contact_support"),
    path("accounts/<str:account_id>/requests/<str:request_id>/", views.request_detail, name="request"),
    path("bulk/remediation-links/", bulk_views.bulk_new, name="bulk_new"),
    path("bulk/remediation-links/<str:job_id>/", bulk_views.bulk_detail, name="bulk_detail"),
    path("remediation/", hosted_views.remediation_home, name="remediation_home"),
    path("remediation/<str:path>/", hosted_views.remediation_field, name="remediation_field"),
]
