"""文件中心: uploads judged by content, size-limited, scoped to the sandbox, nothing half-written."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from PIL import Image

from shop_sim.models import ShopEvent, ShopFile
from shop_sim.services.base import Actor, ShopError
from shop_sim.services.files import file_name_clean, file_type_sniff, shopfile_delete, shopfile_provide, shopfile_upload


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def xlsx_bytes() -> bytes:
    wb = Workbook()
    wb.active.append(["订单号", "手机号"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buf, "PNG")
    return buf.getvalue()


@pytest.mark.parametrize("data, name, expected", [
    ("订单号,手机号\n1,13800138000\n".encode("utf-8"), "a.csv", "csv"),
    ("\ufeff订单号,手机号\n".encode("utf-8"), "a.csv", "csv"),
    ("订单号,手机号\n".encode("gbk"), "a.csv", "csv"),
    ("备注".encode("utf-8"), "notes.txt", "txt"),
])
def test_sniff_accepts_text_in_utf8_bom_and_gbk(data, name, expected):
    assert file_type_sniff(data, name) == expected


def test_sniff_finds_xlsx_by_content_and_refuses_images_and_plain_zips():
    assert file_type_sniff(xlsx_bytes(), "whatever.csv") == "xlsx"
    assert file_type_sniff(png_bytes(), "cleaned.csv") is None
    buf = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "x")
    assert file_type_sniff(buf.getvalue(), "a.xlsx") is None


def test_file_names_lose_paths_and_control_characters():
    assert file_name_clean("../../etc/passwd") == "passwd"
    assert file_name_clean("C:\\Users\\考生\\清洗后.csv") == "清洗后.csv"
    with pytest.raises(ShopError):
        file_name_clean("\x00\x01")


def test_upload_and_delete_write_events(sandbox, candidate):
    actor = Actor.merchant(candidate)
    f = shopfile_upload(sandbox=sandbox, actor=actor, name="清洗后.csv", data="a,b\n1,2\n".encode("gbk"))
    assert f.kind == "upload" and f.file_type == "csv" and f.file.name.startswith(f"shops/{sandbox.storefront_key}/")
    assert not f.file.name.endswith("清洗后.csv")  # stored under a random name
    shopfile_delete(sandbox=sandbox, actor=actor, shop_file=f)
    assert list(ShopEvent.objects.for_sandbox(sandbox).values_list("action", flat=True)) == ["file.upload", "file.delete"]


@pytest.mark.parametrize("data, message", [(b"", "空"), (png_bytes(), "CSV、XLSX 或 TXT")])
def test_bad_uploads_write_nothing(sandbox, candidate, media_root, data, message):
    with pytest.raises(ShopError, match=message):
        shopfile_upload(sandbox=sandbox, actor=Actor.merchant(candidate), name="x.csv", data=data)
    assert not ShopFile.objects.exists() and not ShopEvent.objects.exists()
    assert not any(p.is_file() for p in media_root.rglob("*"))


def test_handed_out_files_cannot_be_deleted(sandbox, candidate):
    f = shopfile_provide(sandbox=sandbox, actor=Actor.system("scenario"), name="订单导出.csv", data=b"a\n")
    with pytest.raises(ShopError):
        shopfile_delete(sandbox=sandbox, actor=Actor.merchant(candidate), shop_file=f)
    assert ShopFile.objects.filter(pk=f.pk).exists()


def test_console_upload_download_and_errors(console_client, sandbox, settings):
    provided = shopfile_provide(sandbox=sandbox, actor=Actor.system("scenario"), name="订单导出.csv",
                                data="订单号\n1\n".encode("gbk"))
    page = console_client.get("/console/files/")
    assert page.status_code == 200 and "订单导出.csv" in page.content.decode()
    download = console_client.get(f"/console/files/{provided.pk}/download/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == "订单号\n1\n".encode("gbk")
    assert "attachment" in download["Content-Disposition"]

    bad = console_client.post("/console/files/", {"file": SimpleUploadedFile("clean.csv", png_bytes())})
    assert bad.status_code == 400 and "CSV、XLSX 或 TXT" in bad.content.decode()
    settings.SHOP_FILE_MAX_BYTES = 10
    big = console_client.post("/console/files/", {"file": SimpleUploadedFile("big.csv", b"a,b\n" * 10)})
    assert big.status_code == 400 and "文件过大" in big.content.decode()
    settings.SHOP_FILE_MAX_BYTES = 5 * 1024 * 1024
    ok = console_client.post("/console/files/", {"file": SimpleUploadedFile("<script>x</script>.csv", b"a,b\n")})
    assert ok.status_code == 302
    listing = console_client.get("/console/files/").content.decode()
    assert "<script>x</script>" not in listing
    assert ShopFile.objects.for_sandbox(sandbox).get(kind="upload").name == "script.csv"  # "/" ends a path
    assert ShopFile.objects.for_sandbox(sandbox).filter(kind="upload").count() == 1


def test_another_sandboxes_file_is_404(console_client, make_sandbox):
    other = make_sandbox(name="别人的店")
    f = shopfile_provide(sandbox=other, actor=Actor.system("scenario"), name="机密.csv", data=b"a\n")
    assert console_client.get(f"/console/files/{f.pk}/download/").status_code == 404
    assert console_client.post(f"/console/files/{f.pk}/delete/").status_code == 404
    assert ShopFile.objects.filter(pk=f.pk).exists()


def test_pictures_can_be_handed_out_but_not_uploaded_to_the_file_centre(sandbox, candidate, console_client):
    picture = shopfile_provide(sandbox=sandbox, actor=Actor.system("scenario"), name="logo_80x80.png", data=png_bytes())
    assert picture.file_type == "png"
    with pytest.raises(ShopError, match="CSV、XLSX 或 TXT"):
        shopfile_upload(sandbox=sandbox, actor=Actor.merchant(candidate), name="logo.png", data=png_bytes())
    # handed-out text stays text (a CSV is never taken for a picture)
    assert shopfile_provide(sandbox=sandbox, actor=Actor.system("scenario"), name="a.csv", data=b"a\n").file_type == "csv"


def test_a_file_of_another_shop_of_the_same_user_downloads_and_another_users_does_not(console_client, sandbox,
                                                                                        candidate, make_sandbox):
    mine = make_sandbox(owner=candidate, name="我的另一个店")
    f = shopfile_provide(sandbox=mine, actor=Actor.system("scenario"), name="素材.png", data=png_bytes())
    assert console_client.get(f"/console/files/{f.pk}/download/").status_code == 200
    assert console_client.post(f"/console/files/{f.pk}/delete/").status_code in (302, 404)
    assert ShopFile.objects.filter(pk=f.pk).exists()  # deleting still only in the active shop (and never 下发)


def test_grading_context_finds_uploads_in_the_file_centre(sandbox, candidate):
    from decimal import Decimal

    from autograder.context import CheckContext

    actor = Actor.merchant(candidate)
    shopfile_upload(sandbox=sandbox, actor=actor, name="第一版.csv", data=b"a\n1\n")
    newest = shopfile_upload(sandbox=sandbox, actor=actor, name="清洗结果.csv", data=b"a\n2\n")
    ctx = CheckContext(sandbox=sandbox, params={}, points=Decimal("1"))
    assert ctx.uploaded_file("latest").read_bytes() == b"a\n2\n"
    assert ctx.uploaded_file("第一版.csv").read_bytes() == b"a\n1\n"
    assert ctx.uploaded_file("没有这个.csv") is None
    assert ctx.uploaded_file("清洗结果.csv") == ctx.uploaded_file("latest") == __import__("pathlib").Path(newest.file.path)


def bombs():
    from bench.table_files import csv_table, xlsx_table

    return [
        ("炸弹.xlsx", xlsx_table(1000, 1000, refs=False)),  # 1M cells in ~32 KB
        ("谎报.xlsx", xlsx_table(2000, 101, dimension="A1")),  # says one cell, holds 202 000
        ("长表.csv", "订单号\n".encode("gbk") + b"1\n" * 25_000),
        ("宽表.csv", ",".join(f"列{i}" for i in range(300)).encode("utf-8-sig") + b"\n"),
    ]


@pytest.mark.parametrize("name, data", bombs(), ids=["xlsx-bomb", "lying-dimension", "rows", "columns"])
def test_a_table_over_the_file_limits_is_refused_at_upload_and_nothing_is_stored(sandbox, candidate, media_root,
                                                                                  name, data):
    import time

    started = time.thread_time()  # the web thread's own CPU (the machine may be shared)
    with pytest.raises(ShopError, match="^文件超出限制：") as refused:
        shopfile_upload(sandbox=sandbox, actor=Actor.merchant(candidate), name=name, data=data)
    assert time.thread_time() - started < 3
    assert "请只保留需要的数据" in refused.value.message or "压缩比" in refused.value.message
    assert not ShopFile.objects.exists() and not ShopEvent.objects.exists()
    assert not any(p.is_file() for p in media_root.rglob("*"))


def test_the_console_says_which_limit_a_table_is_over(console_client, sandbox):
    from bench.table_files import xlsx_table

    bomb = console_client.post("/console/files/", {"file": SimpleUploadedFile("清洗结果.xlsx",
                                                                              xlsx_table(1000, 1000, refs=False))})
    assert bomb.status_code == 400 and "文件超出限制" in bomb.content.decode()
    assert not ShopFile.objects.for_sandbox(sandbox).filter(kind="upload").exists()
    ok = console_client.post("/console/files/", {"file": SimpleUploadedFile("清洗结果.xlsx", xlsx_table(200, 10))})
    assert ok.status_code == 302 and ShopFile.objects.for_sandbox(sandbox).get(kind="upload").file_type == "xlsx"
