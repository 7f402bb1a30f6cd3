"""Back-office views of 评价管理: reviews by rating class and reply state, and the seller's reply."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from shop_sim.console.forms.reviews import ReviewFilterForm, ReviewReplyForm
from shop_sim.models import Review
from shop_sim.selectors.reviews import review_search
from shop_sim.services import reviews as services
from shop_sim.services.base import Actor, ShopError
from shop_sim.tenancy import console_view

PAGE_SIZE = 20


def _list_url(back: str) -> str:
    query = urlencode([(k, v) for k, v in parse_qsl(back or "") if k in {"rating", "replied", "page"}])
    url = reverse("console:review_list")
    return f"{url}?{query}" if query else url


@console_view
@require_GET
def review_list(request):
    """评价列表: 好评/中评/差评 and 已回复/未回复 filters; each review can be answered in place."""
    form = ReviewFilterForm(request.GET)
    form.is_valid()
    filters = {name: value for name, value in form.cleaned_data.items() if name not in form.errors}
    reviews = review_search(sandbox=request.sandbox, rating=filters.get("rating", ""),
                            replied=filters.get("replied", ""))
    page = Paginator(reviews, PAGE_SIZE).get_page(request.GET.get("page"))
    back = request.GET.urlencode()
    rows = [(r, ReviewReplyForm(prefix=f"r{r.pk}", initial={"reply": r.reply, "back": back}))
            for r in page.object_list]
    return render(request, "console/reviews/review_list.html", {"form": form, "page": page, "rows": rows})


@console_view
def review_reply(request, review_id: int):
    """回复评价 (or edit the reply). GET shows the review on its own page with the reply form."""
    review = get_object_or_404(Review.objects.for_sandbox(request.sandbox).select_related("product", "customer"),
                               pk=review_id)
    prefix = f"r{review.pk}"
    if request.method != "POST":
        form = ReviewReplyForm(prefix=prefix, initial={"reply": review.reply})
    else:
        form = ReviewReplyForm(request.POST, prefix=prefix)
        if form.is_valid():
            try:
                services.review_reply(sandbox=request.sandbox, actor=Actor.merchant(request.user), review=review,
                                      reply=form.cleaned_data["reply"])
            except ShopError as exc:
                form.add_error("reply", exc.message)
            else:
                messages.success(request, _("回复已保存"))
                return redirect(_list_url(form.cleaned_data.get("back", "")))
    return render(request, "console/reviews/review_reply.html", {"review": review, "form": form})


urlpatterns = [
    path("reviews/", review_list, name="review_list"),
    path("reviews/<int:review_id>/reply/", review_reply, name="review_reply"),
]
