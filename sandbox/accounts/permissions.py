"""Who may see a candidate's records: one function per object, called by every view that serves it.

The views still scope their lookups (the exam in a review URL, the class in a trainer's URL, the
user's own rows on candidate pages); these functions are the rule those scopes must agree with, so
a new route for the same object cannot grant more than the others do:

- an attempt's grading record (report versions, evidence screenshots, the screen recording):
  practice — its candidate, a trainer of a class the candidate belongs to, an administrator;
  exam — examiners only (accounts.review_exams; the paper has no per-exam examiner list, so every
  examiner is an examiner of every exam). The candidate sees an exam's result on the results page
  once it is published, which is built from the registration, not from this record.
- a registration's uploads (the admission photo): its candidate and exam managers.

Refusals are the caller's to word: the views answer 404 so an id says nothing about who owns it.
"""

from __future__ import annotations

from sandbox.accounts.roles import ADMIN
from sandbox.practice.models import TrainingClass
from sandbox.runtime.models import Attempt


def _is_admin(user) -> bool:
    return user.is_superuser or user.groups.filter(name=ADMIN).exists()


def attempt_record_visible(user, attempt: Attempt) -> bool:
    """May ``user`` see ``attempt``'s reports, evidence and recording?"""
    if not user.is_authenticated or not user.is_active:
        return False
    if attempt.mode == Attempt.Mode.EXAM:
        return user.has_perm("accounts.review_exams")
    if attempt.candidate_id == user.pk or _is_admin(user):
        return True
    return user.has_perm("accounts.view_class_results") and \
        TrainingClass.objects.filter(trainer=user, members=attempt.candidate_id).exists()


def registration_uploads_visible(user, registration) -> bool:
    """May ``user`` see the files uploaded for ``registration`` (its admission photo)?"""
    if not user.is_authenticated or not user.is_active:
        return False
    return registration.candidate_id == user.pk or user.has_perm("accounts.manage_exams")
