"""Read queries of 评价管理: reviews filtered by rating class and reply state."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from shop_sim.models import Review, Sandbox

# Taobao's three rating classes over the 1–5 star scale: key (the ?rating= value) -> filter.
RATING_CLASSES: dict[str, Q] = {
    "good": Q(rating__gte=4),
    "neutral": Q(rating=3),
    "bad": Q(rating__lte=2),
}


def review_search(*, sandbox: Sandbox, rating: str = "", replied: str = "") -> QuerySet[Review]:
    """Reviews newest first; ``rating`` is good/neutral/bad, ``replied`` yes/no."""
    qs = Review.objects.for_sandbox(sandbox)
    if rating in RATING_CLASSES:
        qs = qs.filter(RATING_CLASSES[rating])
    if replied == "no":
        qs = qs.filter(reply="")
    elif replied == "yes":
        qs = qs.exclude(reply="")
    return qs.select_related("product", "customer", "order").order_by("-created_at", "-id")
