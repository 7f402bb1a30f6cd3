"""Benchmarks of provisioning (set-based copy vs Django's loaddata) and of two hot pages.

Run with ``make bench`` or ``python -m bench`` (``--quick`` for a short run). The numbers and how to
read them are in docs/benchmarks.md.
"""

import math


def percentile(values, q: float) -> float | None:
    """Nearest-rank percentile of ``values`` (0 < q <= 100); None for no values. Every bench reports
    with this one rule."""
    if not 0 < q <= 100:
        raise ValueError(f"percentile must be in (0, 100], not {q}")
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]
