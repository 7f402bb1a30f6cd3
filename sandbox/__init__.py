"""The Django project and, later, the exam runtime (exams, attempts, deadlines, journal)."""
