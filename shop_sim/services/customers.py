"""Customer management (客户管理): member levels, notes and merchant-defined tags.

Tag changes are journaled per customer (action ``customer.tags`` with the tag names before and
after), so a grader can tell which buyers were tagged, whether one by one or in bulk.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shop_sim.models import Customer, CustomerTag, CustomerTagging, Sandbox

from .base import Actor, ShopError, event_record, sandbox_write_check, snapshot

TAG_NAME_MAX = 20
NOTE_MAX = 200


def _check_sandbox(sandbox: Sandbox, *objs) -> None:
    for obj in objs:
        if obj.sandbox_id != sandbox.pk:
            raise ShopError(_("对象不属于当前店铺"))


def _tag_names(customer: Customer) -> list[str]:
    return sorted(
        CustomerTagging.objects.filter(customer=customer, sandbox_id=customer.sandbox_id)
        .values_list("tag__name", flat=True)
    )


def customer_update(*, sandbox: Sandbox, actor: Actor, customer: Customer, level: int, note: str) -> Customer:
    """Change a buyer's member level (会员等级) and the seller's note about them."""
    _check_sandbox(sandbox, customer)
    note = (note or "").strip()
    if level not in Customer.Level.values:
        raise ShopError(_("请选择有效的会员等级"))
    if len(note) > NOTE_MAX:
        raise ShopError(_("备注最多 %(max)d 个字") % {"max": NOTE_MAX})
    with transaction.atomic():
        sandbox_write_check(sandbox)
        locked = Customer.objects.select_for_update().get(pk=customer.pk, sandbox=sandbox)
        fields = ["level", "note"]
        before = snapshot(locked, fields)
        if before == {"level": level, "note": note}:
            raise ShopError(_("会员等级和备注没有变化"))
        locked.level, locked.note = level, note
        locked.save(update_fields=fields)
        event_record(sandbox=sandbox, actor=actor, action="customer.update", obj=locked,
                     before=before, after=snapshot(locked, fields))
    return locked


def _clean_tag_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ShopError(_("请填写标签名称"))
    if len(name) > TAG_NAME_MAX:
        raise ShopError(_("标签名称最多 %(max)d 个字") % {"max": TAG_NAME_MAX})
    return name


def customertag_create(*, sandbox: Sandbox, actor: Actor, name: str) -> CustomerTag:
    """A new tag to group customers (e.g. 高价值客户, 复购客户) for targeted service and marketing."""
    name = _clean_tag_name(name)
    with transaction.atomic():
        sandbox_write_check(sandbox)
        if CustomerTag.objects.for_sandbox(sandbox).filter(name=name).exists():
            raise ShopError(_("标签“%(name)s”已存在") % {"name": name})
        tag = CustomerTag.objects.create(sandbox=sandbox, name=name)
        event_record(sandbox=sandbox, actor=actor, action="customertag.create", obj=tag,
                     before=None, after={"name": name})
    return tag


def customertag_rename(*, sandbox: Sandbox, actor: Actor, tag: CustomerTag, name: str) -> CustomerTag:
    """Rename a tag; its customers keep it."""
    _check_sandbox(sandbox, tag)
    name = _clean_tag_name(name)
    with transaction.atomic():
        sandbox_write_check(sandbox)
        locked = CustomerTag.objects.select_for_update().get(pk=tag.pk, sandbox=sandbox)
        if locked.name == name:
            raise ShopError(_("标签名称没有变化"))
        if CustomerTag.objects.for_sandbox(sandbox).filter(name=name).exclude(pk=locked.pk).exists():
            raise ShopError(_("标签“%(name)s”已存在") % {"name": name})
        before = {"name": locked.name}
        locked.name = name
        try:
            with transaction.atomic():
                locked.save(update_fields=["name"])
        except IntegrityError:
            raise ShopError(_("标签“%(name)s”已存在") % {"name": name}) from None
        event_record(sandbox=sandbox, actor=actor, action="customertag.rename", obj=locked,
                     before=before, after={"name": name})
    return locked


def customertag_delete(*, sandbox: Sandbox, actor: Actor, tag: CustomerTag) -> None:
    """Delete a tag; it disappears from every customer (the journal keeps who had it)."""
    _check_sandbox(sandbox, tag)
    with transaction.atomic():
        sandbox_write_check(sandbox)
        locked = CustomerTag.objects.select_for_update().get(pk=tag.pk, sandbox=sandbox)
        nicknames = sorted(locked.taggings.values_list("customer__nickname", flat=True))
        event_record(sandbox=sandbox, actor=actor, action="customertag.delete", obj=locked,
                     before={"name": locked.name, "customers": nicknames}, after=None)
        locked.delete()


def customer_tags_set(*, sandbox: Sandbox, actor: Actor, customer: Customer,
                      tags: Iterable[CustomerTag]) -> Customer:
    """Make ``tags`` exactly the tags of one customer (the checkboxes on the customer page)."""
    tags = list(tags)
    _check_sandbox(sandbox, customer, *tags)
    with transaction.atomic():
        sandbox_write_check(sandbox)
        locked = Customer.objects.select_for_update().get(pk=customer.pk, sandbox=sandbox)
        before = _tag_names(locked)
        wanted = {t.pk for t in tags}
        current = set(CustomerTagging.objects.filter(customer=locked).values_list("tag_id", flat=True))
        if wanted == current:
            raise ShopError(_("客户标签没有变化"))
        CustomerTagging.objects.filter(customer=locked, tag_id__in=current - wanted).delete()
        CustomerTagging.objects.bulk_create([
            CustomerTagging(sandbox=sandbox, customer=locked, tag_id=tag_id) for tag_id in wanted - current
        ])
        event_record(sandbox=sandbox, actor=actor, action="customer.tags", obj=locked,
                     before={"tags": before}, after={"tags": _tag_names(locked)})
    return locked


def customer_tag_bulk(*, sandbox: Sandbox, actor: Actor, customers: Iterable[Customer],
                      tag: CustomerTag, add: bool) -> int:
    """打标签 / 去标签 for many customers at once. Customers whose tags do not change are skipped;
    each changed customer gets its own event. Returns how many customers changed."""
    customers = list(customers)
    _check_sandbox(sandbox, tag, *customers)
    if not customers:
        raise ShopError(_("请先勾选客户"))
    changed = 0
    with transaction.atomic():
        sandbox_write_check(sandbox)
        tagged = set(CustomerTagging.objects.filter(tag=tag, customer__in=customers)
                     .values_list("customer_id", flat=True))
        for customer in customers:
            if add == (customer.pk in tagged):
                continue
            before = _tag_names(customer)
            if add:
                CustomerTagging.objects.create(sandbox=sandbox, customer=customer, tag=tag)
            else:
                CustomerTagging.objects.filter(customer=customer, tag=tag).delete()
            event_record(sandbox=sandbox, actor=actor, action="customer.tags", obj=customer,
                         before={"tags": before}, after={"tags": _tag_names(customer)})
            changed += 1
        if not changed:
            raise ShopError(
                _("所选客户都已有标签“%(name)s”") % {"name": tag.name} if add
                else _("所选客户都没有标签“%(name)s”") % {"name": tag.name}
            )
    return changed
