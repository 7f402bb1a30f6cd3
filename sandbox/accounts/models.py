"""Role permissions that belong to no shop table, declared on an unmanaged model."""

from django.db import models


class RolePermission(models.Model):
    """Holds the platform's own permissions; no table is created."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("sit_exam", "Can sit exams and practise"),
            ("review_attempts", "Can review attempts, replays and scores"),
            ("grade_manually", "Can enter manual scores"),
            ("manage_exams", "Can create exams and register candidates"),
            ("author_scenarios", "Can write, validate and verify scenarios"),
            ("view_class_results", "Can see practice results of a class"),
            ("review_exams", "Can watch sittings, review exam attempts and replays, publish results"),
            ("view_exam_statistics", "Can see exam statistics per criterion"),
        ]
