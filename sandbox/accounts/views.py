"""Landing after login: each role goes to its own place."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from .roles import CANDIDATE, TRAINER, user_role


@login_required
def home(request):
    role = user_role(request.user)
    if role in (CANDIDATE, TRAINER) and request.user.sandboxes.filter(is_template=False).exists():
        return redirect("console:dashboard")
    return render(request, "accounts/home.html", {"role": role})
