"""Classes and their members are managed in the admin site (an administrator's job)."""

from django.contrib import admin

from .models import PracticePublication, TrainingClass


class PublicationInline(admin.TabularInline):
    model = PracticePublication
    extra = 0
    fields = ("scenario_slug", "published_by", "published_at")
    readonly_fields = ("published_by", "published_at")
    can_delete = True

    def has_add_permission(self, request, obj=None):
        return False  # publishing checks the scenario loads: trainers do it on the practice pages


@admin.register(TrainingClass)
class TrainingClassAdmin(admin.ModelAdmin):
    list_display = ("name", "trainer", "created_at")
    search_fields = ("name", "trainer__username")
    filter_horizontal = ("members",)
    inlines = [PublicationInline]
