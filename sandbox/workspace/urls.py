"""Candidate's exam routes (mounted at /sitting/). Registrations are looked up among the user's own,
tasks among that registration's sitting. Object ids are named ``<model_name>_id``."""

from django.urls import path

from . import views

app_name = "workspace"
urlpatterns = [
    path("", views.sitting_list, name="sitting_list"),
    path("<int:registration_id>/", views.sitting_start_page, name="sitting_start_page"),
    path("<int:registration_id>/start/", views.sitting_start_view, name="sitting_start"),
    path("<int:registration_id>/clock/", views.sitting_clock, name="sitting_clock"),
    path("<int:registration_id>/submit/", views.sitting_submit_view, name="sitting_submit"),
    path("<int:registration_id>/tasks/<int:sittingtask_id>/", views.sitting_task, name="sitting_task"),
    path("<int:registration_id>/tasks/<int:sittingtask_id>/console/", views.sitting_task_console,
         name="sitting_task_console"),
    path("<int:registration_id>/tasks/<int:sittingtask_id>/submit/", views.sitting_task_submit_view,
         name="sitting_task_submit"),
    path("<int:registration_id>/results/", views.sitting_results, name="sitting_results"),
    path("<int:registration_id>/review/", views.score_review, name="score_review"),
]
