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
    """The user's active sandbox (kept in the session) if they still own it, else their newest.

    One hand-written query, run on every console request: the same lookup through the ORM cost
    about 0.5 ms of CPU to build and compile, a quarter of a small page (docs/benchmarks.md, "Pages").
    """
    from shop_sim.models import Sandbox

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    wanted = request.session.get(ACTIVE_SANDBOX_SESSION_KEY)
    if not isinstance(wanted, int):
        wanted = 0
    return next(iter(Sandbox.objects.raw(_console_sandbox_sql(), [user.pk, False, wanted])), None)


def _console_sandbox_sql() -> str:
    from django.db import connection

    from shop_sim.models import Sandbox

    q = connection.ops.quote_name
    meta = Sandbox._meta

    def col(name):
        return q(meta.get_field(name).column)

    columns = ", ".join(q(field.column) for field in meta.concrete_fields)
    return (f"SELECT {columns} FROM {q(meta.db_table)} WHERE {col('owner')} = %s AND {col('is_template')} = %s"
            f" ORDER BY CASE WHEN {col('id')} = %s THEN 0 ELSE 1 END, {col('created_at')} DESC, {col('id')} DESC"
            f" LIMIT 1")


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
