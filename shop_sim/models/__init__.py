"""Domain models of the simulated shop. Every model carries ``sandbox`` (the tenant)."""

from .tenancy import Sandbox, SandboxScoped, ShopAction, ShopEvent
from .catalog import Category, Product, ProductImage, Sku, ShippingTemplate, ShippingRule
from .decoration import ShopDecoration, Banner, NavItem, HomeModule, HomeModuleItem
from .customers import Customer, CustomerTag, CustomerTagging
from .orders import Order, OrderLine, Refund, Coupon, CartItem
from .engagement import Review, ChatSession, ChatMessage, AutoReplyRule
from .files import ShopFile

__all__ = [
    "Sandbox", "SandboxScoped", "ShopAction", "ShopEvent",
    "Category", "Product", "ProductImage", "Sku", "ShippingTemplate", "ShippingRule",
    "ShopDecoration", "Banner", "NavItem", "HomeModule", "HomeModuleItem",
    "Customer", "CustomerTag", "CustomerTagging",
    "Order", "OrderLine", "Refund", "Coupon", "CartItem",
    "Review", "ChatSession", "ChatMessage", "AutoReplyRule", "ShopFile",
]
