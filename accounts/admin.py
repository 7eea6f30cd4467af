from django.contrib import admin

from .models import Account, Capability, Connection, Person


class CapabilityInline(admin.TabularInline):
    model = Capability
    extra = 0


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = ("account", "platform", "livemode", "dashboard_type", "status", "lifecycle_state", "created_at")
    list_filter = ("livemode", "status", "dashboard_type", "lifecycle_state")
    search_fields = ("account__public_id", "account__name", "account__email")
    raw_id_fields = ("account", "platform")
    readonly_fields = ("status", "created_at", "updated_at")
    inlines = [CapabilityInline]
    list_select_related = ("account", "platform")
    show_full_result_count = False


class PersonInline(admin.StackedInline):
    model = Person
    extra = 0
    exclude = ("id_number_last4",)


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("public_id", "name", "email", "country", "business_type", "created_at")
    list_filter = ("country", "business_type")
    search_fields = ("public_id", "name", "legal_name", "email")
    readonly_fields = ("public_id", "created_at")
    inlines = [PersonInline]
    show_full_result_count = False


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("public_id", "first_name", "last_name", "account", "is_representative", "verification_status")
    search_fields = ("public_id", "first_name", "last_name", "email")
    raw_id_fields = ("account",)
    exclude = ("id_number_last4",)
