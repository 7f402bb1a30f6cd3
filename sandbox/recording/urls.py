from django.urls import path

from . import views

app_name = "recording"
urlpatterns = [
    path("ingest/<int:attempt_id>/", views.ingest, name="ingest"),
    path("<int:attempt_id>/", views.replay, name="replay"),
    path("<int:attempt_id>/events.json", views.events, name="events"),
]
