"""考评 routes (mounted at /review/). Every object id is looked up inside the exam in the URL."""

from django.urls import path

from . import views

app_name = "review"
urlpatterns = [
    path("", views.exam_list, name="exam_list"),
    path("<int:exam_id>/board/", views.board, name="board"),
    path("<int:exam_id>/board/rows/", views.board_rows, name="board_rows"),
    path("<int:exam_id>/board/<int:registration_id>/extra-time/", views.extra_time, name="extra_time"),
    path("<int:exam_id>/board/<int:registration_id>/unlock/", views.login_unlock, name="login_unlock"),
    path("<int:exam_id>/results/", views.results, name="results"),
    path("<int:exam_id>/publish/", views.publish, name="publish"),
    path("<int:exam_id>/export.xlsx", views.export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("<int:exam_id>/export.csv", views.export, {"fmt": "csv"}, name="export_csv"),
    path("<int:exam_id>/attempts/<int:attempt_id>/", views.attempt_detail, name="attempt_detail"),
    path("<int:exam_id>/attempts/<int:attempt_id>/evidence/<int:version>/<slug:criterion>/<str:filename>",
         views.evidence, name="evidence"),
    path("<int:exam_id>/attempts/<int:attempt_id>/regrade/preview/", views.regrade_preview, name="regrade_preview"),
    path("<int:exam_id>/attempts/<int:attempt_id>/regrade/status/", views.regrade_status, name="regrade_status"),
    path("<int:exam_id>/attempts/<int:attempt_id>/regrade/confirm/<int:preview_id>/", views.regrade_confirm,
         name="regrade_confirm"),
    path("<int:exam_id>/attempts/<int:attempt_id>/settle/<slug:criterion_id>/", views.criterion_settle,
         name="criterion_settle"),
    path("<int:exam_id>/manual/", views.manual_list, name="manual_list"),
    path("<int:exam_id>/manual/<slug:criterion_id>/", views.manual_criterion, name="manual_criterion"),
    path("<int:exam_id>/manual/<slug:criterion_id>/<int:attempt_id>/", views.manual_score, name="manual_score"),
    path("<int:exam_id>/reviews/", views.reviews, name="reviews"),
    path("<int:exam_id>/reviews/<int:scorereview_id>/resolve/", views.review_resolve, name="review_resolve"),
]
