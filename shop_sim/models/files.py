"""The shop's file centre (文件中心): files handed to the merchant and files they upload.

Exports to download and cleaned data to hand back are how data-processing work happens in a real
merchant console; the grader reads uploads from here like any other shop row.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .catalog import shop_upload_path
from .tenancy import SandboxScoped


class ShopFile(SandboxScoped):
    class Kind(models.TextChoices):
        PROVIDED = "provided", _("下发文件")
        UPLOAD = "upload", _("我的上传")

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("文件名"), max_length=100)
    file = models.FileField(_("文件"), upload_to=shop_upload_path)
    size = models.PositiveIntegerField(_("大小(字节)"), default=0)
    file_type = models.CharField(_("格式"), max_length=10)  # csv | xlsx | txt, sniffed from content
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("文件")
        verbose_name_plural = _("文件")
        ordering = ["-uploaded_at", "-id"]
