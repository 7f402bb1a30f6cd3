"""Template tags of the buyer's chat widget, which every storefront page includes.

The storefront views only put ``sandbox`` and ``customer`` in the context; the widget fetches its
own history here so no storefront view has to know about chat.
"""

from django import template

from shop_sim.selectors.chat import chat_buyer_history

register = template.Library()


@register.simple_tag
def chat_history(sandbox, customer):
    """The buyer's last 50 messages, oldest first ([] when nobody is logged in)."""
    if sandbox is None or customer is None:
        return []
    return chat_buyer_history(sandbox=sandbox, customer=customer)
