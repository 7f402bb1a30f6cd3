"""Which sandbox a request works in. Views never take a sandbox id from the URL.

The console resolves ``request.sandbox`` from the logged-in user's own sandboxes (the active one
kept in the session, else the newest). The storefront resolves its sandbox from the unguessable
storefront key in the URL. Everything else is a query scoped by ``for_sandbox``.
"""

from functools import wraps

from django.http import Http404
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

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
        return view(request, *args, **kwargs)

    return wrapper
