"""Back-office views of 客服: the 客服工作台 inbox (live over chat.js) and 自动回复 rules.

The inbox works without a socket too: replies fall back to a plain POST, and the view pushes the
stored reply to open sockets so the buyer still sees it live.
"""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shop_sim.console.forms.chat import (
    AutoReplyRuleForm, AutoReplyTestForm, ChatInboxPageForm, ChatReplyForm, ServiceStatusForm,
)
from shop_sim.models import AutoReplyRule, ChatSession
from shop_sim.selectors import chat as chat_selectors
from shop_sim.services import chat as chat_services
from shop_sim.services.base import Actor, SandboxFrozen, ShopError
from shop_sim.simulator.broadcast import chat_broadcast, pushes_send_sync, read_pushes
from shop_sim.console.helpers import safe_next
from shop_sim.tenancy import console_view


# The inbox lists this many conversations, then 加载更多 (htmx appends the next ones; without
# JavaScript it is a link to the next page). Rendering all of them cost most of the page's CPU.
INBOX_PAGE_SIZE = 30


def _session_page(request, before: ChatSession | None = None) -> dict:
    sessions = list(chat_selectors.chat_session_list(sandbox=request.sandbox, limit=INBOX_PAGE_SIZE + 1,
                                                     before=before))
    more = len(sessions) > INBOX_PAGE_SIZE
    return {"sessions": sessions[:INBOX_PAGE_SIZE],
            "more_before": sessions[INBOX_PAGE_SIZE - 1].pk if more else None}


def _inbox_context(request, current: ChatSession | None, reply_form: ChatReplyForm | None = None,
                   before: ChatSession | None = None) -> dict:
    context = {
        **_session_page(request, before),
        "current": current,
        "status_form": ServiceStatusForm(initial={"status": request.sandbox.service_status}),
    }
    if current is not None:
        context.update(
            chat_messages=chat_selectors.chat_session_messages(session=current),
            reply_form=reply_form or ChatReplyForm(),
            buyer_orders=chat_selectors.chat_buyer_orders(sandbox=request.sandbox, customer=current.customer),
        )
    return context


@console_view
@require_GET
def chat_inbox(request):
    """The inbox; ``?before=<session id>`` lists the conversations after that one (htmx: only the
    list items, appended by 加载更多). An unknown or foreign id is the first page."""
    form = ChatInboxPageForm(request.GET)
    before = None
    if form.is_valid() and form.cleaned_data["before"]:
        before = ChatSession.objects.for_sandbox(request.sandbox).filter(pk=form.cleaned_data["before"]).first()
    if request.htmx and before is not None:
        return render(request, "console/chat/_session_items.html", {**_session_page(request, before), "current": None})
    return render(request, "console/chat/inbox.html", _inbox_context(request, None, before=before))


@console_view
@require_GET
def chat_session(request, chatsession_id: int):
    """Opening a conversation reads it, as on 千牛: its unread badge clears — unless the shop is frozen
    (交卷, deadline): then it is only shown, and the badge stays as it was."""
    session = get_object_or_404(ChatSession.objects.for_sandbox(request.sandbox).select_related("customer"),
                                pk=chatsession_id)
    if session.unread_count:
        try:
            session = chat_services.chat_mark_read(sandbox=request.sandbox, actor=Actor.merchant(request.user),
                                                   session=session)
        except SandboxFrozen:
            pass
        else:
            pushes_send_sync(read_pushes(session))
    return render(request, "console/chat/inbox.html", _inbox_context(request, session))


@console_view
@require_POST
def chat_reply(request, chatsession_id: int):
    session = get_object_or_404(ChatSession.objects.for_sandbox(request.sandbox).select_related("customer"),
                                pk=chatsession_id)
    form = ChatReplyForm(request.POST)
    if form.is_valid():
        try:
            message = chat_services.chat_merchant_reply(sandbox=request.sandbox, actor=Actor.merchant(request.user),
                                                        session=session, body=form.cleaned_data["body"])
        except ShopError as exc:
            form.add_error("body", exc.message)
        else:
            chat_broadcast([message])
            return redirect("console:chat_session", chatsession_id=session.pk)
    return render(request, "console/chat/inbox.html", _inbox_context(request, session, reply_form=form))




@console_view
@require_POST
def chat_status(request):
    form = ServiceStatusForm(request.POST)
    if form.is_valid():
        sandbox = chat_services.service_status_set(sandbox=request.sandbox, actor=Actor.merchant(request.user),
                                                   status=form.cleaned_data["status"])
        messages.success(request, _("客服状态已切换为：%(status)s") % {"status": sandbox.get_service_status_display()})
    else:
        messages.error(request, _("无效的客服状态"))
    return HttpResponseRedirect(safe_next(request, reverse("console:chat_inbox")))


# --- 自动回复 ---------------------------------------------------------------------------------------


@console_view
@require_GET
def autoreply_list(request):
    return render(request, "console/chat/autoreply_list.html", {
        "rules": chat_selectors.autoreply_rule_list(sandbox=request.sandbox),
        "test_form": AutoReplyTestForm(initial={
            "first_message": True, "offline": request.sandbox.service_status == "offline"}),
    })


@console_view
@require_GET
def autoreply_test(request):
    """The 测试 box (htmx): which rules a buyer's question would trigger, without sending anything."""
    form = AutoReplyTestForm(request.GET)
    context = {"test_form": form}
    if form.is_valid():
        args = {"sandbox": request.sandbox, "text": form.cleaned_data["text"],
                "first_message": form.cleaned_data["first_message"], "offline": form.cleaned_data["offline"]}
        context.update(matches=chat_selectors.autoreply_matches(**args),
                       answer=chat_selectors.autoreply_match(**args), tested=True)
    template = "console/chat/_autoreply_test_result.html" if request.htmx else "console/chat/autoreply_list.html"
    if not request.htmx:
        context["rules"] = chat_selectors.autoreply_rule_list(sandbox=request.sandbox)
    return render(request, template, context)


def _rule_save(request, form: AutoReplyRuleForm, rule: AutoReplyRule | None):
    data = form.cleaned_data
    args = {"sandbox": request.sandbox, "actor": Actor.merchant(request.user), "kind": data["kind"],
            "reply": data["reply"], "keywords": data["keywords"], "enabled": data["enabled"],
            "position": data["position"]}
    if rule is None:
        return chat_services.autoreply_create(**args)
    return chat_services.autoreply_update(rule=rule, **args)


@console_view
@require_http_methods(["GET", "POST"])
def autoreply_create(request):
    if request.method == "POST":
        form = AutoReplyRuleForm(request.POST)
        if form.is_valid():
            try:
                _rule_save(request, form, None)
            except ShopError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("自动回复规则已添加"))
                return redirect("console:autoreply_list")
    else:
        kind = request.GET.get("kind")
        form = AutoReplyRuleForm(initial={"kind": kind if kind in AutoReplyRule.Kind.values else AutoReplyRule.Kind.KEYWORD,
                                          "enabled": True})
    return render(request, "console/chat/autoreply_form.html", {"form": form, "rule": None})


@console_view
@require_http_methods(["GET", "POST"])
def autoreply_edit(request, autoreplyrule_id: int):
    rule = get_object_or_404(AutoReplyRule.objects.for_sandbox(request.sandbox), pk=autoreplyrule_id)
    if request.method == "POST":
        form = AutoReplyRuleForm(request.POST)
        if form.is_valid():
            try:
                _rule_save(request, form, rule)
            except ShopError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("自动回复规则已保存"))
                return redirect("console:autoreply_list")
    else:
        form = AutoReplyRuleForm(rule=rule)
    return render(request, "console/chat/autoreply_form.html", {"form": form, "rule": rule})


@console_view
@require_POST
def autoreply_toggle(request, autoreplyrule_id: int):
    """The list's 启用/停用 switch."""
    rule = get_object_or_404(AutoReplyRule.objects.for_sandbox(request.sandbox), pk=autoreplyrule_id)
    try:
        rule = chat_services.autoreply_update(sandbox=request.sandbox, actor=Actor.merchant(request.user),
                                              rule=rule, enabled=not rule.enabled)
    except ShopError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("规则已启用") if rule.enabled else _("规则已停用"))
    return redirect("console:autoreply_list")


@console_view
@require_http_methods(["GET", "POST"])
def autoreply_delete(request, autoreplyrule_id: int):
    rule = get_object_or_404(AutoReplyRule.objects.for_sandbox(request.sandbox), pk=autoreplyrule_id)
    if request.method == "POST":
        chat_services.autoreply_delete(sandbox=request.sandbox, actor=Actor.merchant(request.user), rule=rule)
        messages.success(request, _("自动回复规则已删除"))
        return redirect("console:autoreply_list")
    return render(request, "console/chat/autoreply_confirm_delete.html", {"rule": rule})


urlpatterns = [
    path("chat/", chat_inbox, name="chat_inbox"),
    path("chat/status/", chat_status, name="chat_status"),
    path("chat/<int:chatsession_id>/", chat_session, name="chat_session"),
    path("chat/<int:chatsession_id>/reply/", chat_reply, name="chat_reply"),
    path("autoreply/", autoreply_list, name="autoreply_list"),
    path("autoreply/test/", autoreply_test, name="autoreply_test"),
    path("autoreply/new/", autoreply_create, name="autoreply_create"),
    path("autoreply/<int:autoreplyrule_id>/edit/", autoreply_edit, name="autoreply_edit"),
    path("autoreply/<int:autoreplyrule_id>/toggle/", autoreply_toggle, name="autoreply_toggle"),
    path("autoreply/<int:autoreplyrule_id>/delete/", autoreply_delete, name="autoreply_delete"),
]
