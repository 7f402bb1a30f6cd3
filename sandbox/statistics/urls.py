"""Statistics routes (mounted at /statistics/). Exam ids are named ``exam_id``."""

from django.urls import path

from . import views

app_name = "statistics"
urlpatterns = [
    path("", views.exam_list, name="exam_list"),
    path("<int:exam_id>/", views.exam_detail, name="exam_detail"),
]
