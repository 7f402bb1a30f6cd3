"""Practice routes (mounted at /practice/). Attempts are looked up among the user's own (or, for a
trainer, among their class's members'); classes among the trainer's own. Object ids are named
``<model_name>_id``."""

from django.urls import path

from . import views

app_name = "practice"
urlpatterns = [
    path("", views.practice_list, name="practice_list"),
    path("start/<slug:scenario_slug>/", views.practice_start, name="practice_start"),
    path("attempts/<int:attempt_id>/", views.practice_task, name="practice_task"),
    path("attempts/<int:attempt_id>/grade/", views.practice_grade, name="practice_grade"),
    path("attempts/<int:attempt_id>/grading/", views.practice_grade_status, name="practice_grade_status"),
    path("attempts/<int:attempt_id>/console/", views.practice_console, name="practice_console"),
    path("attempts/<int:attempt_id>/reset/", views.practice_reset, name="practice_reset"),
    path("attempts/<int:attempt_id>/evidence/<int:version>/<slug:criterion>/<str:filename>",
         views.practice_evidence, name="practice_evidence"),
    path("classes/", views.class_list, name="class_list"),
    path("classes/<int:trainingclass_id>/", views.class_detail, name="class_detail"),
    path("classes/<int:trainingclass_id>/publish/", views.class_publish, name="class_publish"),
    path("classes/<int:trainingclass_id>/unpublish/", views.class_unpublish, name="class_unpublish"),
    path("classes/<int:trainingclass_id>/results/", views.class_results, name="class_results"),
    path("classes/<int:trainingclass_id>/attempts/<int:attempt_id>/", views.class_attempt, name="class_attempt"),
]
