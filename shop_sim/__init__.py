"""The simulated shop: a small e-commerce system whose every row belongs to one sandbox.

It knows nothing of exams. ``services`` own every write, ``selectors`` every read that views and
checks use; ``console`` is the merchant back office, ``storefront`` the buyer-facing shop and
``simulator`` the chat channel between them.
"""
