"""Benchmarks of provisioning (set-based copy vs Django's loaddata) and of two hot pages.

Run with ``make bench`` or ``python -m bench`` (``--quick`` for a short run). The numbers and how to
read them are in docs/benchmarks.md.
"""
