"""People and roles: candidate, examiner, trainer, admin (Django groups and permissions)."""
