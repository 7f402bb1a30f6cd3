"""Exam administration routes (mounted at /exam/). Object ids are named ``<model_name>_id`` and are
looked up inside the exam of the same URL; ``my-ticket`` among the user's own registrations."""

from django.urls import path

from . import views

app_name = "exams"
urlpatterns = [
    path("", views.exam_list, name="exam_list"),
    path("new/", views.exam_create, name="exam_create"),
    path("login/", views.ticket_login, name="ticket_login"),
    path("import-template.csv", views.import_template, name="import_template"),
    path("my-ticket/<int:registration_id>/", views.my_ticket, name="my_ticket"),
    path("my-ticket/<int:registration_id>/photo/", views.my_ticket_photo, name="my_ticket_photo"),
    path("<int:exam_id>/", views.exam_detail, name="exam_detail"),
    path("<int:exam_id>/edit/", views.exam_edit, name="exam_edit"),
    path("<int:exam_id>/parts/add/", views.exam_part_add, name="exam_part_add"),
    path("<int:exam_id>/parts/<int:exampart_id>/remove/", views.exam_part_remove, name="exam_part_remove"),
    path("<int:exam_id>/parts/<int:exampart_id>/move/", views.exam_part_move, name="exam_part_move"),
    path("<int:exam_id>/import/", views.registration_import, name="registration_import"),
    path("<int:exam_id>/registrations/", views.registration_list, name="registration_list"),
    path("<int:exam_id>/registrations/<int:registration_id>/edit/", views.registration_edit,
         name="registration_edit"),
    path("<int:exam_id>/registrations/<int:registration_id>/photo/", views.registration_photo,
         name="registration_photo"),
    path("<int:exam_id>/registrations/<int:registration_id>/ticket/", views.registration_ticket,
         name="registration_ticket"),
    path("<int:exam_id>/tickets/", views.exam_tickets, name="exam_tickets"),
]
