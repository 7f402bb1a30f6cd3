from django.apps import AppConfig


class TaskScenariosConfig(AppConfig):
    name = "task_scenarios"
