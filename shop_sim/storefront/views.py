"""Storefront views: the shop as a buyer sees it at /s/<storefront_key>/.

Every view resolves the sandbox from the unguessable key (a template shop is never shown), reads
through ``selectors.storefront`` (on-sale products only) and writes through services. The buyer is
a simulated customer of this sandbox kept in the session (``storefront.buyer``).
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from shop_sim.models import CartItem, Category, Order, Product, Refund, Sandbox
from shop_sim.selectors import storefront as sel
from shop_sim.services import checkout as checkout_services
from shop_sim.services.base import Actor, ShopError
from shop_sim.tenancy import frameable, write_refused_response

from . import buyer as buyer_session
from .forms import (
    AddToCartForm, BuyerLoginForm, BuyerPassForm, CartQuantityForm, CheckoutForm, RefundRequestForm, ReturnShipForm,
)

PAGE_SIZE = 20


def _shop(storefront_key: str) -> Sandbox:
    return get_object_or_404(Sandbox, storefront_key=storefront_key, is_template=False)


def _url(name: str, sandbox: Sandbox, **kwargs) -> str:
    return reverse(f"storefront:{name}", kwargs={"storefront_key": sandbox.storefront_key, **kwargs})


def _render(request, sandbox: Sandbox, template: str, context: dict | None = None, status: int = 200):
    """Render with the shop frame (sign, navigation, buyer bar) every page shares."""
    buyer = getattr(request, "buyer", None)
    if buyer is None:
        buyer = buyer_session.current_customer(request.session, sandbox)
    frame = sel.shop_frame(sandbox=sandbox)
    full = {
        **frame, "sandbox": sandbox, "storefront_key": sandbox.storefront_key, "buyer": buyer,
        "customer": buyer,  # the name the chat widget include reads
        "cart_count": sel.cart_count(sandbox=sandbox, customer=buyer), "q": request.GET.get("q", ""),
        **(context or {}),
    }
    return render(request, template, full, status=status)


def storefront_view(view):
    """Resolve ``request.sandbox`` from the key (404 for unknown keys and template shops)."""

    @wraps(view)
    def wrapper(request, storefront_key: str, **kwargs):
        request.sandbox = _shop(storefront_key)
        refused = write_refused_response(request)
        if refused is None:
            refused = view(request, **kwargs)
        return frameable(refused)

    return wrapper


def _login_redirect(request):
    login = _url("buyer_login", request.sandbox)
    return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")


def buyer_required(view):
    """The cart, checkout and orders need a (simulated) buyer: else to the login page and back."""

    @wraps(view)
    def wrapper(request, **kwargs):
        request.buyer = buyer_session.current_customer(request.session, request.sandbox)
        if request.buyer is None:
            return _login_redirect(request)
        return view(request, **kwargs)

    return wrapper


def owned_by_buyer(model, kwarg: str):
    """For URLs with a buyer's object id (order, cart line): the id is looked up in this sandbox
    first (another shop's id is a 404 whoever asks), then a buyer is required, and another buyer's
    object is a 404 too. The view receives the object instead of the id."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, **kwargs):
            obj = get_object_or_404(model.objects.for_sandbox(request.sandbox), pk=kwargs.pop(kwarg))
            request.buyer = buyer_session.current_customer(request.session, request.sandbox)
            if request.buyer is None:
                return _login_redirect(request)
            if obj.customer_id != request.buyer.pk:
                raise Http404("not this buyer's")
            return view(request, obj, **kwargs)

        return wrapper

    return decorate


def _listing(request, sandbox: Sandbox, queryset, *, template: str, extra: dict):
    sort = request.GET.get("sort", "default")
    if sort not in sel.SORTS:
        sort = "default"
    page = Paginator(sel.product_sort(queryset, sort), PAGE_SIZE).get_page(request.GET.get("page"))
    query = {k: v for k, v in request.GET.items() if k not in ("page", "sort")}
    return _render(request, sandbox, template, {
        "page": page, "products": page.object_list, "sort": sort,
        "sort_options": [("default", _("综合")), ("sales", _("销量")), ("price_asc", _("价格从低到高")),
                         ("price_desc", _("价格从高到低")), ("newest", _("新品"))],
        "base_query": urlencode(query), **extra,
    })


# --- browsing ------------------------------------------------------------------------------------

@storefront_view
def home(request):
    sandbox = request.sandbox
    modules = sel.home_modules(sandbox=sandbox)
    fallback = [] if modules else list(sel.product_sort(sel.on_sale_products(sandbox=sandbox), "sales")[:PAGE_SIZE])
    return _render(request, sandbox, "storefront/home.html", {
        "banners": sel.banner_slides(sandbox=sandbox), "modules": modules, "fallback_products": fallback,
    })


@storefront_view
def all_products(request):
    return _listing(request, request.sandbox, sel.on_sale_products(sandbox=request.sandbox),
                    template="storefront/list.html",
                    extra={"heading": _("所有宝贝"), "list_url": _url("all_products", request.sandbox)})


@storefront_view
def category(request, category_id: int):
    cat = get_object_or_404(Category.objects.for_sandbox(request.sandbox), pk=category_id)
    return _listing(request, request.sandbox, sel.category_products(sandbox=request.sandbox, category=cat),
                    template="storefront/list.html",
                    extra={"heading": cat.name, "category": cat,
                           "list_url": _url("category", request.sandbox, category_id=cat.pk)})


@storefront_view
def search(request):
    q = request.GET.get("q", "").strip()[:60]
    return _listing(request, request.sandbox, sel.product_search(sandbox=request.sandbox, q=q),
                    template="storefront/list.html",
                    extra={"heading": _("搜索“%(q)s”") % {"q": q} if q else _("所有宝贝"), "search_q": q,
                           "list_url": _url("search", request.sandbox)})


def _masked(nickname: str) -> str:
    """Reviewers are shown as Taobao does, first and last character only (t***1)."""
    if len(nickname) <= 1:
        return nickname + "***"
    return f"{nickname[0]}***{nickname[-1]}"


def _product_context(request, sandbox: Sandbox, product: Product, form: AddToCartForm | None = None) -> dict:
    skus = sel.product_skus(product=product)
    main_images, detail_images = sel.product_images(product=product)
    low, high = sel.price_range(product=product, skus=skus)
    reviews, review_stats = sel.product_reviews(product=product)
    buyer = buyer_session.current_customer(request.session, sandbox)
    sku_data = {
        "specs": [g.get("name", "") for g in (product.spec_names or [])] if skus else [],
        "skus": [{"id": s.pk, "values": s.spec_values, "label": s.spec_label, "price": str(s.price),
                  "stock": s.stock} for s in skus],
    }
    form = form or AddToCartForm(product=product, skus=skus)
    groups = []
    for group in form.groups:
        chosen = form.data.get(group["field"]) if form.is_bound else None
        groups.append({**group, "errors": form.errors.get(group["field"], []), "values": [
            {**v, "id": f"spec-{group['index']}-{n}", "checked": v["value"] == chosen}
            for n, v in enumerate(group["values"])]})
    return {
        "product": product, "skus": skus, "form": form, "spec_groups": groups,
        "main_images": main_images, "detail_images": detail_images, "price_low": low, "price_high": high,
        "total_stock": sum(s.stock for s in skus) if skus else product.stock,
        "detail_html": sel.detail_html_safe(product.detail_html),
        "attributes": list((product.attributes or {}).items()) if isinstance(product.attributes, dict) else [],
        "reviews": [{"review": r, "who": _masked(r.customer.nickname)} for r in reviews],
        "review_stats": review_stats,
        "shipping": sel.shipping_hint(product=product, province=(buyer.province if buyer else "")),
        "sku_data": sku_data,
    }


@storefront_view
def product(request, product_id: int):
    item = sel.product_for_buyer(sandbox=request.sandbox, product_id=product_id)
    if item is None:
        raise Http404("product not on sale")
    return _render(request, request.sandbox, "storefront/product.html",
                   _product_context(request, request.sandbox, item))


# --- buyer identity ------------------------------------------------------------------------------

BUYER_PASS_REFUSED = _lazy("这家店铺只允许店主本人以模拟买家身份操作：请在登录了店主账号的浏览器中打开店铺前台，"
                           "或使用店主页面上的“打开店铺前台”链接。")
BUYER_PASS_INVALID = _lazy("这个买家链接无效，请从店主页面重新打开店铺前台。")


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    prefix = "/s/" + request.sandbox.storefront_key + "/"
    if target.startswith(prefix) and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@storefront_view
@require_http_methods(["GET", "POST"])
def buyer_login(request):
    sandbox = request.sandbox
    home_url = _url("home", sandbox)
    if not buyer_session.buyer_pass_ensure(request.session, sandbox, user=request.user):
        return _render(request, sandbox, "storefront/login.html", {"refused": BUYER_PASS_REFUSED}, status=403)
    form = BuyerLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customer = checkout_services.customer_signin(sandbox=sandbox, nickname=form.cleaned_data["nickname"],
                                                         phone=form.cleaned_data["phone"])
        except ShopError as exc:
            form.add_error(None, exc.message)
        else:
            request.session.cycle_key()
            buyer_session.buyer_login(request.session, sandbox, customer)
            messages.success(request, _("欢迎，%(name)s") % {"name": customer.nickname})
            return redirect(_safe_next(request, home_url))
    return _render(request, sandbox, "storefront/login.html", {"form": form, "next": _safe_next(request, "")})


@storefront_view
@require_http_methods(["GET"])
def buyer_pass(request):
    """The owner's pass link (``?buyer_pass=…``): this browser may act as the shop's buyers from now on
    (then the shop's home, so the pass does not stay in the address bar)."""
    sandbox = request.sandbox
    form = BuyerPassForm(request.GET)
    if not form.is_valid() or not buyer_session.buyer_pass_valid(sandbox, form.cleaned_data["buyer_pass"]):
        return _render(request, sandbox, "storefront/login.html", {"refused": BUYER_PASS_INVALID}, status=400)
    buyer_session.buyer_pass_grant(request.session, sandbox)
    return redirect(_url("home", sandbox))


@storefront_view
@require_POST
def buyer_logout(request):
    buyer_session.buyer_logout(request.session, request.sandbox)
    messages.success(request, _("您已退出登录"))
    return redirect(_url("home", request.sandbox))


# --- cart ----------------------------------------------------------------------------------------

@storefront_view
def cart_add(request, product_id: int):
    """The buy box posts here: 加入购物车 (action=cart) or 立即购买 (action=buy → checkout)."""
    sandbox = request.sandbox
    item = sel.product_for_buyer(sandbox=sandbox, product_id=product_id)
    if item is None:
        raise Http404("product not on sale")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    buyer = buyer_session.current_customer(request.session, sandbox)
    if buyer is None:
        messages.info(request, _("请先登录再购买"))
        login = _url("buyer_login", sandbox)
        return redirect(f"{login}?{urlencode({'next': _url('product', sandbox, product_id=item.pk)})}")
    form = AddToCartForm(request.POST, product=item, skus=sel.product_skus(product=item))
    if form.is_valid():
        sku = form.cleaned_data["sku"]
        quantity = form.cleaned_data["quantity"]
        if request.POST.get("action") == "buy":
            query = {"buy": item.pk, "qty": quantity}
            if sku is not None:
                query["sku"] = sku.pk
            return redirect(f"{_url('checkout', sandbox)}?{urlencode(query)}")
        try:
            checkout_services.cartitem_add(sandbox=sandbox, actor=Actor.buyer(buyer), customer=buyer, product=item,
                                           sku=sku, quantity=quantity)
        except ShopError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已加入购物车"))
            return redirect(_url("cart", sandbox))
    return _render(request, sandbox, "storefront/product.html", _product_context(request, sandbox, item, form))


@storefront_view
@buyer_required
def cart(request):
    sandbox, buyer = request.sandbox, request.buyer
    rows = []
    total = 0
    for entry in sel.cart_items(sandbox=sandbox, customer=buyer):
        product = entry.product
        stock = entry.sku.stock if entry.sku_id else product.stock
        valid = product.status == Product.Status.ON_SALE and stock >= entry.quantity and stock > 0
        unit = entry.sku.price if entry.sku_id else product.price
        subtotal = unit * entry.quantity
        if valid:
            total += subtotal
        rows.append({"item": entry, "product": product, "unit_price": unit, "subtotal": subtotal, "stock": stock,
                     "valid": valid, "on_sale": product.status == Product.Status.ON_SALE,
                     "form": CartQuantityForm(initial={"quantity": entry.quantity}, prefix=f"c{entry.pk}")})
    return _render(request, sandbox, "storefront/cart.html", {"rows": rows, "total": total,
                                                              "has_valid": any(r["valid"] for r in rows)})


@storefront_view
@owned_by_buyer(CartItem, "cartitem_id")
def cart_update(request, entry: CartItem):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = CartQuantityForm(request.POST, prefix=f"c{entry.pk}")
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    else:
        try:
            checkout_services.cartitem_update(sandbox=request.sandbox, actor=Actor.buyer(request.buyer),
                                              cartitem=entry, quantity=form.cleaned_data["quantity"])
        except ShopError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("数量已更新"))
    return redirect(_url("cart", request.sandbox))


@storefront_view
@owned_by_buyer(CartItem, "cartitem_id")
def cart_remove(request, entry: CartItem):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    checkout_services.cartitem_remove(sandbox=request.sandbox, actor=Actor.buyer(request.buyer), cartitem=entry)
    messages.success(request, _("已从购物车删除"))
    return redirect(_url("cart", request.sandbox))


# --- checkout ------------------------------------------------------------------------------------

def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _selection(request) -> tuple[list[checkout_services.LineRequest], dict]:
    """What is being bought, from the query (GET) or the hidden fields (POST): 立即购买 carries
    ``buy``/``sku``/``qty``; the cart carries ``items`` (cart line ids of this buyer)."""
    data = request.POST if request.method == "POST" else request.GET
    buy = _int(data.get("buy"))
    if buy is not None:
        sku, qty = _int(data.get("sku")), _int(data.get("qty")) or 0
        hidden = {"buy": buy, "qty": qty, **({"sku": sku} if sku is not None else {})}
        return [checkout_services.LineRequest(product_id=buy, sku_id=sku, quantity=qty)], hidden
    wanted = {i for i in (_int(v) for v in data.getlist("items")) if i is not None}
    entries = [e for e in sel.cart_items(sandbox=request.sandbox, customer=request.buyer)
               if not wanted or e.pk in wanted]
    lines = [checkout_services.LineRequest(product_id=e.product_id, sku_id=e.sku_id, quantity=e.quantity,
                                           cartitem_id=e.pk) for e in entries]
    return lines, {"items": [e.pk for e in entries]}


def _checkout_context(request, lines, hidden, form_data=None) -> dict:
    """Quote the selection for the page; the coupon list depends on the goods total."""
    sandbox, buyer = request.sandbox, request.buyer
    base = checkout_services.checkout_quote(sandbox=sandbox, customer=buyer, lines=lines)
    coupons = checkout_services.usable_coupons(sandbox=sandbox, customer=buyer, goods_total=base.goods_total)
    from shop_sim.services.orders import PROVINCES

    initial = {"receiver_name": buyer.name, "receiver_phone": buyer.phone,
               "province": next((p for p in PROVINCES if buyer.province and p.startswith(buyer.province)), ""),
               "city": buyer.city}
    form = CheckoutForm(form_data, coupons=coupons, initial=initial)
    return {"form": form, "quote": base, "hidden": hidden, "hidden_items": hidden.get("items", []),
            "coupons": coupons}


def _summary_quote(request, lines, form: CheckoutForm):
    """Amounts for the chosen province and coupon; a coupon that does not apply is shown as 0."""
    province = request.POST.get("province") or request.GET.get("province") or form.initial.get("province") or ""
    coupon = form.coupons.get(request.POST.get("coupon") or request.GET.get("coupon") or "")
    try:
        return checkout_services.checkout_quote(sandbox=request.sandbox, customer=request.buyer, lines=lines,
                                                province=province, coupon=coupon), province
    except ShopError:
        return checkout_services.checkout_quote(sandbox=request.sandbox, customer=request.buyer, lines=lines,
                                                province=province), province


@storefront_view
@buyer_required
@require_http_methods(["GET", "POST"])
def checkout(request):
    sandbox, buyer = request.sandbox, request.buyer
    lines, hidden = _selection(request)
    if not lines:
        messages.error(request, _("购物车是空的，先去挑选宝贝吧"))
        return redirect(_url("cart", sandbox))
    try:
        context = _checkout_context(request, lines, hidden, request.POST if request.method == "POST" else None)
    except ShopError as exc:
        messages.error(request, exc.message)
        return redirect(_url("cart", sandbox))
    form = context["form"]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        address = checkout_services.Address(**{k: data[k] for k in (
            "receiver_name", "receiver_phone", "province", "city", "district", "address_detail")})
        try:
            order = checkout_services.order_place(sandbox=sandbox, customer=buyer, lines=lines, address=address,
                                                  coupon=data["coupon"], buyer_message=data["buyer_message"])
        except ShopError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("订单已提交，请尽快付款"))
            return redirect(_url("buyer_order", sandbox, order_id=order.pk))
    context["summary"], context["summary_province"] = _summary_quote(request, lines, form)
    return _render(request, sandbox, "storefront/checkout.html", context)


@storefront_view
@buyer_required
def checkout_summary(request):
    """The amounts box of the checkout page, re-rendered by htmx when the province or coupon changes."""
    lines, hidden = _selection(request)
    try:
        context = _checkout_context(request, lines, hidden)
        context["summary"], context["summary_province"] = _summary_quote(request, lines, context["form"])
    except ShopError as exc:
        return render(request, "storefront/_checkout_summary.html", {"summary_error": exc.message})
    return render(request, "storefront/_checkout_summary.html", context)


# --- the buyer's orders --------------------------------------------------------------------------

ORDER_TABS = [
    ("", _lazy("全部订单")), (Order.Status.AWAITING_PAYMENT, _lazy("待付款")), (Order.Status.PAID, _lazy("待发货")),
    (Order.Status.SHIPPED, _lazy("待收货")), (Order.Status.FINISHED, _lazy("交易成功")),
    (Order.Status.CLOSED, _lazy("交易关闭")),
]


@storefront_view
@buyer_required
def buyer_orders(request):
    status = request.GET.get("status", "")
    orders = sel.buyer_orders(sandbox=request.sandbox, customer=request.buyer)
    if status in Order.Status.values:
        orders = orders.filter(status=status)
    else:
        status = ""
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    from shop_sim.services.orders import carrier_name

    rows = list(page.object_list)
    for order in rows:  # 已买到的宝贝 shows where a parcel is without opening the order
        order.carrier_label = carrier_name(order.carrier) if order.carrier else ""
    return _render(request, request.sandbox, "storefront/orders.html", {
        "page": page, "orders": rows, "status": status, "tabs": [(k, str(v)) for k, v in ORDER_TABS],
    })


def _order_context(request, order: Order, *, refund_form=None, return_form=None) -> dict:
    from shop_sim.services.orders import carrier_name, order_has_open_refund, order_refundable

    refunds = sel.order_refunds(order=order)
    refundable = order_refundable(order)
    can_refund = (order.status in (Order.Status.PAID, Order.Status.SHIPPED) and not order_has_open_refund(order)
                  and refundable > 0)
    awaiting_return = next((r for r in refunds if r.status == Refund.Status.AWAITING_RETURN), None)
    return {
        "order": order, "lines": list(order.lines.all()), "refunds": refunds,
        "carrier": carrier_name(order.carrier) if order.carrier else "",
        "can_refund": can_refund,
        "refund_form": refund_form or (RefundRequestForm(order=order, refundable=refundable) if can_refund else None),
        "awaiting_return": awaiting_return,
        "return_form": return_form or (ReturnShipForm() if awaiting_return else None),
    }


@storefront_view
@owned_by_buyer(Order, "order_id")
def buyer_order(request, order: Order):
    return _render(request, request.sandbox, "storefront/order.html", _order_context(request, order))


def _order_action(service, done_message: str):
    @storefront_view
    @owned_by_buyer(Order, "order_id")
    def view(request, order: Order):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            service(order=order, actor=Actor.buyer(request.buyer), sandbox=request.sandbox)
        except ShopError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, str(done_message))
        return redirect(_url("buyer_order", request.sandbox, order_id=order.pk))

    return view


def _order_pay_service(**kwargs):
    from shop_sim.services.orders import order_pay

    return order_pay(**kwargs)


def _order_confirm_service(**kwargs):
    from shop_sim.services.orders import order_confirm_receipt

    return order_confirm_receipt(**kwargs)


order_pay = _order_action(_order_pay_service, _lazy("付款成功（模拟支付），等待卖家发货"))
order_confirm = _order_action(_order_confirm_service, _lazy("已确认收货，交易成功"))


@storefront_view
@owned_by_buyer(Order, "order_id")
def refund_request(request, order: Order):
    from shop_sim.services.orders import order_refundable
    from shop_sim.services.orders import refund_request as refund_request_service

    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = RefundRequestForm(request.POST, order=order, refundable=order_refundable(order))
    if form.is_valid():
        data = form.cleaned_data
        try:
            refund_request_service(order=order, actor=Actor.buyer(request.buyer), sandbox=request.sandbox,
                                   kind=data["kind"], amount=data["amount"], reason=data["reason"],
                                   buyer_note=data["note"])
        except ShopError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("退款申请已提交，等待卖家处理"))
            return redirect(_url("buyer_order", request.sandbox, order_id=order.pk))
    return _render(request, request.sandbox, "storefront/order.html",
                   _order_context(request, order, refund_form=form))


@storefront_view
@owned_by_buyer(Order, "order_id")
def refund_return_ship(request, order: Order, refund_id: int):
    from shop_sim.services.orders import refund_return_ship as return_ship_service

    refund = get_object_or_404(Refund.objects.for_sandbox(request.sandbox), pk=refund_id, order=order)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = ReturnShipForm(request.POST)
    if form.is_valid():
        try:
            return_ship_service(refund=refund, actor=Actor.buyer(request.buyer), sandbox=request.sandbox,
                                carrier=form.cleaned_data["carrier"], waybill_no=form.cleaned_data["waybill_no"])
        except ShopError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("退货信息已提交，等待卖家确认收货"))
            return redirect(_url("buyer_order", request.sandbox, order_id=order.pk))
    return _render(request, request.sandbox, "storefront/order.html",
                   _order_context(request, order, return_form=form))
