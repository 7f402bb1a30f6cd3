"""What login throttling counts failures against: the username, or the ticket number for a ticket
login (准考证号 + 证件号码) — never the ID number, which must not land in the failure log."""

from __future__ import annotations


def login_identity(request, credentials: dict | None) -> str | None:
    credentials = credentials or {}
    identity = credentials.get("username") or credentials.get("ticket_number")
    if identity is None and request is not None and request.method == "POST":
        identity = request.POST.get("username") or request.POST.get("ticket_number")
    return (identity or "").strip()[:150] or None
