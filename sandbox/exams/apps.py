from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExamsConfig(AppConfig):
    name = "sandbox.exams"
    label = "exams"
    verbose_name = _("考试")

    def ready(self) -> None:
        # The exam's write gate: a sandbox whose sitting is past its deadline takes no more writes.
        # The grader counts nothing written after the deadline either.
        from sandbox.runtime.gate import attempt_freeze_register
        from shop_sim.services.base import write_gate_register
        from shop_sim.storefront.buyer import buyer_pass_policy_register

        from .gate import sitting_buyer_pass_required, sitting_freeze_at, sitting_write_refusal

        write_gate_register(sitting_write_refusal)
        attempt_freeze_register(sitting_freeze_at)
        # Exam shops: buyers only in the candidate's own session (or with their pass link).
        buyer_pass_policy_register(sitting_buyer_pass_required)
