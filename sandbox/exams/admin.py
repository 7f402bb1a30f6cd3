"""Exams in the admin site, for administrators. Day-to-day work (papers, imports, tickets) happens
on the exam pages, whose services enforce the rules; here the journals are read-only evidence."""

from django.contrib import admin

from .models import (Exam, ExamPart, ManualScore, RegradePreview, Registration, ScoreReview, Sitting, SittingEvent,
                     SittingTask)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only rows: they can be looked at, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ExamPartInline(admin.TabularInline):
    model = ExamPart
    extra = 0
    fields = ("position", "scenario_slug", "title", "weight")


@admin.register(Exam)
class ExamAdmin(admin.ModelAdmin):
    list_display = ("name", "level", "window_start", "window_end", "duration_minutes", "results_published_at")
    list_filter = ("level",)
    search_fields = ("name",)
    raw_id_fields = ("created_by",)
    inlines = [ExamPartInline]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ("ticket_number", "full_name", "exam", "id_type", "extra_minutes")
    list_filter = ("exam",)
    search_fields = ("ticket_number", "full_name")
    raw_id_fields = ("candidate",)
    # extra time is granted on the review pages (journaled), never edited here
    readonly_fields = ("ticket_number", "exam", "candidate", "extra_minutes")


class SittingTaskInline(admin.TabularInline):
    model = SittingTask
    extra = 0
    fields = ("part", "attempt")
    readonly_fields = ("part", "attempt")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Sitting)
class SittingAdmin(ReadOnlyAdmin):
    list_display = ("registration", "status", "started_at", "submitted_at", "auto_submitted")
    list_filter = ("status", "registration__exam")
    search_fields = ("registration__ticket_number", "registration__full_name")
    inlines = [SittingTaskInline]


@admin.register(SittingEvent)
class SittingEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "sitting", "actor", "action")
    list_filter = ("action",)
    search_fields = ("sitting__registration__ticket_number", "actor")


@admin.register(ManualScore)
class ManualScoreAdmin(ReadOnlyAdmin):
    list_display = ("attempt", "criterion_id", "level", "points", "examiner", "at")
    search_fields = ("criterion_id", "examiner__username")


@admin.register(RegradePreview)
class RegradePreviewAdmin(ReadOnlyAdmin):
    list_display = ("attempt", "status", "requested_by", "requested_at")


@admin.register(ScoreReview)
class ScoreReviewAdmin(admin.ModelAdmin):
    list_display = ("registration", "status", "outcome", "filed_at", "resolved_at")
    list_filter = ("status", "outcome")
    readonly_fields = ("registration", "reason", "filed_at", "resolved_by", "resolved_at")
