"""Item-analysis maths as pure functions over lists of numbers (no ORM), so every figure on the
statistics pages can be checked against a hand computation.

- Distribution: 10-point bins over 0–100 (the last bin includes 100).
- Mean, median, population standard deviation (the cohort that sat is the whole population we
  describe, so σ divides by n), pass rate (share ≥ pass mark).
- Difficulty P = mean score / max points (the classical "facility": high P = easy).
- Discrimination D (Kelley's upper-lower index) = mean fraction of the upper 27 % − mean fraction
  of the lower 27 %, the groups chosen by a ranking score (a task's total for its criteria). The
  group size is k = round(0.27 · n), at least 1; candidates tied at a group's cut share its
  remaining places equally, so D never depends on the order rows came in (all-equal → D = 0).
- A criterion needs attention (需关注) when P < 0.3 (too hard), P > 0.95 (too easy) or D < 0.2
  (does not separate strong from weak candidates); with fewer than 10 scores it is 样本不足.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Real

GROUP_PERCENT = 27
MIN_SAMPLE = 10
P_LOW, P_HIGH, D_LOW = 0.3, 0.95, 0.2

FLAG_OK = "ok"
FLAG_ATTENTION = "attention"
FLAG_INSUFFICIENT = "insufficient"


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    count: int
    closed: bool = False  # the last bin includes its upper edge

    @property
    def label(self) -> str:
        return f"{_num(self.low)}–{_num(self.high)}"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _floats(values: Sequence[Real]) -> list[float]:
    return [float(v) for v in values]


def mean(values: Sequence[Real]) -> float | None:
    data = _floats(values)
    return sum(data) / len(data) if data else None


def median(values: Sequence[Real]) -> float | None:
    data = sorted(_floats(values))
    if not data:
        return None
    mid = len(data) // 2
    return data[mid] if len(data) % 2 else (data[mid - 1] + data[mid]) / 2


def std_dev(values: Sequence[Real]) -> float | None:
    """Population standard deviation σ (divides by n); 0 for one value, None for none."""
    data = _floats(values)
    if not data:
        return None
    m = sum(data) / len(data)
    return math.sqrt(sum((x - m) ** 2 for x in data) / len(data))


def pass_rate(values: Sequence[Real], pass_mark: Real) -> float | None:
    data = _floats(values)
    if not data:
        return None
    return sum(1 for x in data if x >= float(pass_mark)) / len(data)


def histogram(values: Sequence[Real], *, width: float = 10, low: float = 0, high: float = 100) -> list[Bin]:
    """Counts per bin [low, low+width), …, the last one [high−width, high] closed. Values outside
    the range are counted in the first or last bin (scores are clamped to 0–100 upstream anyway)."""
    if width <= 0 or high <= low:
        raise ValueError("histogram needs width > 0 and high > low")
    edges = []
    start = float(low)
    while start < high - 1e-9:
        edges.append((start, min(start + width, float(high))))
        start += width
    counts = [0] * len(edges)
    for x in _floats(values):
        index = int((x - low) // width)
        counts[min(max(index, 0), len(edges) - 1)] += 1
    return [Bin(lo, hi, c, closed=(i == len(edges) - 1)) for i, ((lo, hi), c) in enumerate(zip(edges, counts))]


@dataclass(frozen=True)
class FractionBins:
    """How a criterion's scores spread: nothing, under half, half or more, full marks."""

    zero: int
    under_half: int
    half_or_more: int
    full: int

    @property
    def total(self) -> int:
        return self.zero + self.under_half + self.half_or_more + self.full


def fraction_bins(fractions: Sequence[Real]) -> FractionBins:
    zero = under = half = full = 0
    for f in _floats(fractions):
        if f <= 0:
            zero += 1
        elif f >= 1:
            full += 1
        elif f < 0.5:
            under += 1
        else:
            half += 1
    return FractionBins(zero, under, half, full)


def difficulty(scores: Sequence[Real], max_points: Real) -> float | None:
    """P = mean score / max points; None without scores or with a zero maximum."""
    m = mean(scores)
    if m is None or not max_points or float(max_points) <= 0:
        return None
    return m / float(max_points)


def group_size(n: int) -> int:
    """k = round(0.27 · n) (halves round up), at least 1; 0 when n < 2 (no two groups)."""
    if n < 2:
        return 0
    return max(1, (GROUP_PERCENT * n + 50) // 100)


def _group_mean(pairs: list[tuple[float, float]], k: int) -> float:
    """Mean fraction of the first ``k`` places of ``pairs`` (sorted by rank score), where rows tied
    on the rank score at the cut share the places that are left equally."""
    total = 0.0
    taken = 0.0
    i = 0
    while taken < k and i < len(pairs):
        rank = pairs[i][0]
        tied = [f for r, f in pairs[i:] if r == rank]
        places = min(len(tied), k - taken)
        total += places * (sum(tied) / len(tied))
        taken += places
        i += len(tied)
    return total / k


def discrimination(fractions: Sequence[Real], rank_scores: Sequence[Real]) -> float | None:
    """D = mean fraction of the upper 27 % by ``rank_scores`` − that of the lower 27 %.

    ``fractions[i]`` (the item's score / max, 0–1) and ``rank_scores[i]`` belong to the same
    candidate. None when there are fewer than two candidates."""
    if len(fractions) != len(rank_scores):
        raise ValueError("fractions and rank scores must pair up")
    pairs = list(zip(_floats(rank_scores), _floats(fractions)))
    k = group_size(len(pairs))
    if k == 0:
        return None
    upper = _group_mean(sorted(pairs, key=lambda p: -p[0]), k)
    lower = _group_mean(sorted(pairs, key=lambda p: p[0]), k)
    return upper - lower


def item_flag(n: int, p: float | None, d: float | None) -> str:
    if n < MIN_SAMPLE or p is None or d is None:
        return FLAG_INSUFFICIENT
    if p < P_LOW or p > P_HIGH or d < D_LOW:
        return FLAG_ATTENTION
    return FLAG_OK
