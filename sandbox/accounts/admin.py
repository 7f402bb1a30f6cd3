"""The admin's login goes through the same throttle as the site's; the unlock journal is read-only."""

from django.contrib import admin

from .forms import ThrottledAdminAuthenticationForm
from .models import LoginUnlock

admin.site.login_form = ThrottledAdminAuthenticationForm


@admin.register(LoginUnlock)
class LoginUnlockAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "identities")
    readonly_fields = ("at", "actor", "identities", "detail")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
