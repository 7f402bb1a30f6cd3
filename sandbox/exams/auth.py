"""Ticket login (准考证号 + 证件号码) as an authentication backend beside ModelBackend.

Candidates imported for an exam have no password; the admission ticket and the ID document they
bring to the exam room are their credentials. The ID number is compared in its stored form
(upper case, so a lower-case x in a 居民身份证 number matches).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend

from .imports import id_number_normalise
from .models import Registration


class TicketBackend(BaseBackend):
    """authenticate(request, ticket_number=..., id_number=...) -> the registration's candidate."""

    def authenticate(self, request, ticket_number=None, id_number=None):
        ticket = id_number_normalise(ticket_number or "")
        number = id_number_normalise(id_number or "")
        if not ticket or not number:
            return None
        registration = (Registration.objects.select_related("candidate")
                        .filter(ticket_number=ticket, id_number__iexact=number).first())
        if registration is None or not registration.candidate.is_active:
            return None
        return registration.candidate

    def get_user(self, user_id):
        return get_user_model().objects.filter(pk=user_id, is_active=True).first()
