from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RuntimeConfig(AppConfig):
    name = "sandbox.runtime"
    label = "runtime"
    verbose_name = _("作答与评分")

    def ready(self) -> None:
        from shop_sim.services.base import write_gate_register

        from .gate import attempt_write_refusal

        write_gate_register(attempt_write_refusal)
