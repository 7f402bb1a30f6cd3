"""Landing after login: each role goes to its own place."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from sandbox.practice.selectors import user_in_any_class

from .roles import CANDIDATE, TRAINER, user_role


@login_required
def home(request):
    role = user_role(request.user)
    has_shop = role in (CANDIDATE, TRAINER) and request.user.sandboxes.filter(is_template=False).exists()
    if role == CANDIDATE and request.user.registrations.exists():
        return redirect("/sitting/")  # a registered candidate starts from their exams
    if role == CANDIDATE and user_in_any_class(request.user):
        return redirect("practice:practice_list")  # a trainee starts from the tasks the trainer published
    if role == CANDIDATE and has_shop:
        return redirect("console:dashboard")
    return render(request, "accounts/home.html", {"role": role, "has_shop": has_shop})
