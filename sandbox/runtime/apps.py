from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RuntimeConfig(AppConfig):
    name = "sandbox.runtime"
    label = "runtime"
    verbose_name = _("作答与评分")
