from django.apps import AppConfig


class AutograderConfig(AppConfig):
    name = "autograder"
