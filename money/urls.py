from django.urls import path

from . import views

app_name = "money"

urlpatterns = [
    path("balances/", views.balances, name="balances"),
    path("balances/add/", views.add_to_balance, name="add_to_balance"),
    path("balances/top-ups/", views.topup_list, name="topups"),
    path("balances/activity.csv", views.activity_export, name="activity_export"),
    path("balances/transfers/", views.transfer_list, name="transfers"),
    path("balances/transfers.csv", views.transfers_export, name="transfers_export"),
    path("balances/transfers/new/", views.send_funds, name="send_funds"),
    path("balances/transfers/new/search/", views.destination_search, name="destination_search"),
    path("balances/transfers/new/destination/", views.destination_pick, name="destination_pick"),
    path("balances/transfers/<str:transfer_id>/", views.transfer_detail, name="transfer_detail"),
    path("balances/transfers/<str:transfer_id>/reverse/", views.reverse_transfer, name="reverse_transfer"),
    # Account pages: under /accounts/<acct_…>/ next to the accounts app's own (its patterns do
    # not match these paths, so resolution falls through to here).
    path("accounts/<str:account_id>/balances/", views.account_balances, name="account_balances"),
    path("accounts/<str:account_id>/balances/panel/", views.account_panel, name="account_panel"),
    path("accounts/<str:account_id>/balances/pull/", views.pull_funds, name="pull_funds"),
    path("accounts/<str:account_id>/balances/consent/", views.debit_consent, name="debit_consent"),
]
