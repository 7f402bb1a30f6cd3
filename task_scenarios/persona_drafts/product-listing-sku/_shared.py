"""The helpers of this batch's personas, which live on in the catalog as
``catalog/product-listing-sku/personas/_shared_b.py`` (seven of the batch moved there); the four
drafts left here load them from it rather than keep a copy. Not a persona."""

import importlib.util
from pathlib import Path

_path = Path(__file__).resolve().parents[2] / "catalog" / "product-listing-sku" / "personas" / "_shared_b.py"
_spec = importlib.util.spec_from_file_location("_shared_b_product-listing-sku_drafts", _path)
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)
globals().update({name: value for name, value in vars(_module).items() if not name.startswith("__")})
