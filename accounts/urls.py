from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.connection_list, name="list"),
    path("<str:account_id>/", views.connection_detail, name="detail"),
    path("<str:account_id>/activity/", views.connection_activity, name="activity"),
]
