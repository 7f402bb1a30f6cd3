"""Public media for the embedded default — everything under MEDIA_ROOT except grading evidence.

Evidence screenshots (MEDIA_ROOT/evidence/<attempt>/<version>/…) show a candidate's shop and
score; their paths are guessable, so they are served only through ``practice_evidence``, which
checks who is asking; candidates' admission photos likewise only through the exams views. The path is normalised first, so ``./evidence`` or ``x/../evidence`` is
refused too. Files of a shop's 文件中心 are not public either (``console:shopfile_download``).
"""

import posixpath

from django.conf import settings
from django.http import Http404
from django.views.static import serve

from shop_sim.models import ShopFile
from shop_sim.services.files import ALLOWED_TYPES

PRIVATE_PREFIXES = ("evidence", "exam-photos")
# What a handed-in file can be (shop_sim.services.files.ALLOWED_TYPES, stored under its sniffed type).
SHOP_FILE_TABLE_SUFFIXES = tuple(f".{kind}" for kind in ALLOWED_TYPES)  # candidates' photos: only through the exams views


def public_media(request, path: str):
    normalised = posixpath.normpath(path.replace("\\", "/")).lstrip("/")
    top = normalised.split("/", 1)[0]
    if top in PRIVATE_PREFIXES:
        raise Http404("not public")
    # A table or text of a shop's 文件中心 (a candidate's handed-in answer, a handed-out export) lives
    # beside the shop's public pictures but is served only by ``console:shopfile_download``, which
    # asks whose shop it is — an unguessable name is not a permission. Only those types are looked
    # up, so the storefront's pictures (the hot path of /media/) cost no query.
    if posixpath.splitext(normalised)[1].lower() in SHOP_FILE_TABLE_SUFFIXES \
            and ShopFile.objects.filter(file=normalised).exists():
        raise Http404("not public")
    try:
        return serve(request, path, document_root=settings.MEDIA_ROOT)
    except (OSError, ValueError):  # a name the file system refuses (too long, a NUL): no such file
        raise Http404("no such file") from None
