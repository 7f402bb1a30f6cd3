"""Reviews, chat sessions and auto-reply rules: the customer-service side of the shop."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .tenancy import SandboxScoped


class Review(SandboxScoped):
    """A buyer's rating (1–5 stars) and comment on a purchased product, with the seller's reply."""

    product = models.ForeignKey("shop_sim.Product", on_delete=models.CASCADE, related_name="reviews")
    order = models.ForeignKey("shop_sim.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews")
    customer = models.ForeignKey("shop_sim.Customer", on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField(_("评分"))
    content = models.CharField(_("评价内容"), max_length=500)
    reply = models.CharField(_("商家回复"), max_length=500, blank=True)
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("评价时间"))

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        ordering = ["-created_at", "-id"]


class ChatSession(SandboxScoped):
    """A conversation between one buyer and the shop's customer service (客服)."""

    customer = models.ForeignKey("shop_sim.Customer", on_delete=models.CASCADE, related_name="chat_sessions")
    started_at = models.DateTimeField(_("开始时间"))
    last_message_at = models.DateTimeField(_("最后消息时间"), db_index=True)
    unread_count = models.PositiveIntegerField(_("未读"), default=0)

    class Meta:
        verbose_name = _("咨询会话")
        verbose_name_plural = _("咨询会话")
        ordering = ["-last_message_at", "-id"]


class ChatMessage(SandboxScoped):
    class Sender(models.TextChoices):
        BUYER = "buyer", _("买家")
        MERCHANT = "merchant", _("客服")
        AUTO = "auto", _("自动回复")

    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="messages")
    sender = models.CharField(_("发送方"), max_length=10, choices=Sender.choices)
    body = models.CharField(_("内容"), max_length=1000)
    created_at = models.DateTimeField(_("发送时间"), db_index=True)

    class Meta:
        verbose_name = _("聊天消息")
        verbose_name_plural = _("聊天消息")
        ordering = ["created_at", "id"]


class AutoReplyRule(SandboxScoped):
    """自动回复: first greeting (≤ 50 chars), offline reply, keyword replies (≤ 10 keywords)."""

    class Kind(models.TextChoices):
        GREETING = "greeting", _("首次接待语")
        OFFLINE = "offline", _("离线自动回复")
        KEYWORD = "keyword", _("关键词回复")

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    keywords = models.JSONField(_("关键词"), default=list, blank=True)
    reply = models.CharField(_("回复内容"), max_length=500)
    enabled = models.BooleanField(_("启用"), default=True)
    position = models.PositiveIntegerField(_("优先级"), default=0)

    class Meta:
        verbose_name = _("自动回复")
        verbose_name_plural = _("自动回复")
        ordering = ["position", "id"]
