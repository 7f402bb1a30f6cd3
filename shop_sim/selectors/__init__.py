"""Read-only queries. Every function takes ``sandbox`` and never returns another sandbox's rows."""

from .dashboard import dashboard_counts

__all__ = ["dashboard_counts"]
