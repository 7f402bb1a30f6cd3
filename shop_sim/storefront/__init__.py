"""The buyer-facing shop (店铺前台), reached at /s/<storefront_key>/."""
