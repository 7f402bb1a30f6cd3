"""Login (behind the throttle) and the landing after it: each role goes to its own place."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from sandbox.practice.selectors import user_in_any_class

from .forms import ThrottledAuthenticationForm
from .roles import CANDIDATE, TRAINER, user_role


def throttled_response(response, form):
    """A try that had to wait answers 429 with Retry-After (the page still says how long)."""
    if getattr(form, "wait_seconds", 0):
        response.status_code = 429
        response["Retry-After"] = str(form.wait_seconds)
    return response


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = ThrottledAuthenticationForm

    def form_invalid(self, form):
        return throttled_response(super().form_invalid(form), form)


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
