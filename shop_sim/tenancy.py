"""Which sandbox a request works in. Views never take a sandbox id from the URL.

The console resolves ``request.sandbox`` from the logged-in user's own sandboxes (the active one
kept in the session, else the newest). The storefront resolves its sandbox from the unguessable
storefront key in the URL. Everything else is a query scoped by ``for_sandbox``.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

ACTIVE_SANDBOX_SESSION_KEY = "active_sandbox_id"


def resolve_console_sandbox(request):
    from shop_sim.models import Sandbox

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    owned = Sandbox.objects.filter(owner=user, is_template=False)
    wanted = request.session.get(ACTIVE_SANDBOX_SESSION_KEY)
    if wanted is not None:
        sandbox = owned.filter(pk=wanted).first()
        if sandbox is not None:
            return sandbox
    return owned.order_by("-created_at", "-id").first()


def console_view(view):
    """Login required, the console permission, and a sandbox owned by the user; else no back office."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.has_perm("shop_sim.use_console"):
            raise PermissionDenied
        request.sandbox = resolve_console_sandbox(request)
        if request.sandbox is None:
            raise Http404("no sandbox")
        refused = write_refused_response(request)
        if refused is None:
            refused = view(request, *args, **kwargs)
        return frameable(refused)

    return wrapper


def frameable(response):
    """Shop pages may be framed by this site (the exam workspace frames the back office, the
    decoration editor previews the storefront); everything else keeps X_FRAME_OPTIONS = DENY."""
    if response.get("X-Frame-Options") is None:
        response["X-Frame-Options"] = "SAMEORIGIN"
    return response


def write_refused_response(request):
    """For a write to a frozen sandbox (submitted, or past the exam deadline): a clear 409 page
    (or the bare message for htmx) before the view touches anything; else None."""
    from shop_sim.services.base import sandbox_write_refusal

    if request.method not in UNSAFE_METHODS:
        return None
    reason = sandbox_write_refusal(request.sandbox)
    if reason is None:
        return None
    if request.headers.get("HX-Request"):
        from django.http import HttpResponse
        from django.utils.html import escape

        return HttpResponse(f'<p class="error" role="alert">{escape(reason)}</p>', status=409)
    return render(request, "shop_frozen.html", {"reason": reason, "sandbox": request.sandbox}, status=409)
