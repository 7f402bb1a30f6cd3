from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordingConfig(AppConfig):
    name = "sandbox.recording"
    label = "recording"
    verbose_name = _("操作录像")
