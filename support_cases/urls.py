from django.urls import path  # noqa: F401

app_name = "support_cases"

urlpatterns: list = []
