from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopSimConfig(AppConfig):
    name = "shop_sim"
    verbose_name = _("模拟店铺")
