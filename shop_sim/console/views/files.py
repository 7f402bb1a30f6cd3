"""文件中心: download what the shop was handed, upload what the merchant produced."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shop_sim.models import ShopFile
from shop_sim.services.base import Actor, ShopError
from shop_sim.services.files import file_max_bytes, shopfile_delete, shopfile_upload
from shop_sim.tenancy import console_view

from ..forms.files import ShopFileUploadForm


@console_view
@require_http_methods(["GET", "POST"])
def file_list(request):
    form = ShopFileUploadForm()
    if request.method == "POST":
        form = ShopFileUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > file_max_bytes():
                form.add_error("file", _("文件过大：最大 %(mb)s MB") % {"mb": file_max_bytes() // (1024 * 1024)})
            else:
                try:
                    shop_file = shopfile_upload(sandbox=request.sandbox, actor=Actor.merchant(request.user),
                                                name=upload.name, data=upload.read())
                except ShopError as exc:
                    form.add_error("file", exc.message)
                else:
                    messages.success(request, _("已上传“%(name)s”") % {"name": shop_file.name})
                    return redirect("console:file_list")
    files = ShopFile.objects.for_sandbox(request.sandbox)
    return render(request, "console/files/file_list.html", {
        "form": form,
        "provided": files.filter(kind=ShopFile.Kind.PROVIDED),
        "uploads": files.filter(kind=ShopFile.Kind.UPLOAD),
    }, status=400 if form.errors else 200)


@console_view
def shopfile_download(request, shopfile_id: int):
    """A file of one of the user's own shops: the active one's, or — linked from a task's
    instructions page while another shop is active — any other shop the user owns. Another
    user's file is a 404 like a file that does not exist."""
    shop_file = (ShopFile.objects.for_sandbox(request.sandbox).filter(pk=shopfile_id).first()
                 or get_object_or_404(ShopFile.objects.filter(sandbox__owner=request.user, sandbox__is_template=False),
                                      pk=shopfile_id))
    try:
        handle = shop_file.file.open("rb")
    except FileNotFoundError:
        raise Http404("file missing") from None
    return FileResponse(handle, as_attachment=True, filename=shop_file.name)


@console_view
@require_POST
def shopfile_delete_view(request, shopfile_id: int):
    shop_file = get_object_or_404(ShopFile.objects.for_sandbox(request.sandbox), pk=shopfile_id)
    try:
        shopfile_delete(sandbox=request.sandbox, actor=Actor.merchant(request.user), shop_file=shop_file)
    except ShopError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除“%(name)s”") % {"name": shop_file.name})
    return redirect("console:file_list")


urlpatterns = [
    path("files/", file_list, name="file_list"),
    path("files/<int:shopfile_id>/download/", shopfile_download, name="shopfile_download"),
    path("files/<int:shopfile_id>/delete/", shopfile_delete_view, name="shopfile_delete"),
]
