"""Exam administration pages: permissions, exam settings, paper editing (frozen once a candidate
has started), registrations (masked ids, scores, photos), admission tickets, ticket login."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from sandbox.exams import manage_services
from sandbox.exams.manage_services import ExamData
from sandbox.exams.models import Exam, ExamPart, IdType, Registration, Sitting
from sandbox.exams.selectors import id_number_mask
from sandbox.exams.services import ExamError

from .test_exam_import import ID_A, ID_B, ID_X, csv_bytes

User = get_user_model()
SCENARIOS = ("shop-decoration", "order-fulfilment", "customer-service")


def image_bytes(fmt="PNG", size=(66, 96)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 180, 160)).save(out, fmt)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def examiner(make_user):
    return make_user("kaoping_m", "examiner")


@pytest.fixture
def exam(examiner):
    start = timezone.now() + timedelta(days=3)
    return Exam.objects.create(name="四级实操考试", level="4", window_start=start, window_end=start + timedelta(hours=2),
                               created_by=examiner, rules="1. 独立完成\n2. 不得使用手机")


@pytest.fixture
def manager(client, examiner):
    client.force_login(examiner)
    return client


@pytest.fixture
def registrations(exam, examiner):
    return manage_services.registrations_import(
        exam=exam, data=csv_bytes(f"张三,居民身份证,{ID_A},四级,80,70", f"李四,居民身份证,{ID_X.lower()},四级,,"),
        actor=examiner)


def _exam_payload(**overrides):
    start = timezone.localtime(timezone.now() + timedelta(days=5)).replace(second=0, microsecond=0)
    data = {"name": "五月四级", "level": "4", "duration_minutes": "90",
            "window_start": start.strftime("%Y-%m-%dT%H:%M"),
            "window_end": (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
            "timeout_policy": "auto_submit", "grace_minutes": "5", "module_weight": "30", "pass_mark": "60",
            "review_window_days": "10", "rules": "独立完成"}
    data.update(overrides)
    return data


def _data(exam: Exam, **changes) -> ExamData:
    fields = ExamData.__dataclass_fields__
    return ExamData(**{name: changes.get(name, getattr(exam, name)) for name in fields})


def _start_sitting(registration: Registration) -> Sitting:
    """A candidate has started (the precondition of the freeze rules; provisioning is not the point)."""
    return Sitting.objects.create(registration=registration)


# -- permissions -----------------------------------------------------------------------------------

def _manage_urls(exam, registration, part):
    e, r, p = exam.pk, registration.pk, part.pk
    return [
        ("get", reverse("exams:exam_list")), ("get", reverse("exams:exam_create")),
        ("post", reverse("exams:exam_create")), ("get", reverse("exams:import_template")),
        ("get", reverse("exams:exam_detail", kwargs={"exam_id": e})),
        ("get", reverse("exams:exam_edit", kwargs={"exam_id": e})),
        ("post", reverse("exams:exam_part_add", kwargs={"exam_id": e})),
        ("post", reverse("exams:exam_part_remove", kwargs={"exam_id": e, "exampart_id": p})),
        ("post", reverse("exams:exam_part_move", kwargs={"exam_id": e, "exampart_id": p})),
        ("get", reverse("exams:registration_import", kwargs={"exam_id": e})),
        ("post", reverse("exams:registration_import", kwargs={"exam_id": e})),
        ("get", reverse("exams:registration_list", kwargs={"exam_id": e})),
        ("get", reverse("exams:registration_edit", kwargs={"exam_id": e, "registration_id": r})),
        ("post", reverse("exams:registration_edit", kwargs={"exam_id": e, "registration_id": r})),
        ("get", reverse("exams:registration_photo", kwargs={"exam_id": e, "registration_id": r})),
        ("get", reverse("exams:registration_ticket", kwargs={"exam_id": e, "registration_id": r})),
        ("get", reverse("exams:exam_tickets", kwargs={"exam_id": e})),
    ]


@pytest.mark.parametrize("role", ["candidate", "trainer"])
def test_candidates_and_trainers_get_403_on_every_manage_page(client, make_user, exam, registrations, role):
    part = ExamPart.objects.create(exam=exam, position=1, scenario_slug="shop-decoration", title="装修")
    client.force_login(make_user(f"someone_{role}", role))
    for method, url in _manage_urls(exam, registrations[0], part):
        assert getattr(client, method)(url).status_code == 403, (method, url)
    assert ExamPart.objects.filter(exam=exam).count() == 1
    assert Exam.objects.count() == 1


def test_anonymous_is_sent_to_login(client, exam, registrations):
    part = ExamPart.objects.create(exam=exam, position=1, scenario_slug="shop-decoration", title="装修")
    urls = _manage_urls(exam, registrations[0], part) + [
        ("get", reverse("exams:my_ticket", kwargs={"registration_id": registrations[0].pk}))]
    for method, url in urls:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    assert ExamPart.objects.filter(exam=exam).count() == 1


def test_examiner_sees_the_exam_list(manager, exam):
    page = manager.get(reverse("exams:exam_list")).content.decode()
    assert exam.name in page and "新建考试" in page


# -- exam settings ---------------------------------------------------------------------------------

def test_create_exam(manager, examiner):
    response = manager.post(reverse("exams:exam_create"), _exam_payload())
    exam = Exam.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("exams:exam_detail", kwargs={"exam_id": exam.pk})
    assert (exam.name, exam.level, exam.duration_minutes, exam.created_by) == ("五月四级", "4", 90, examiner)
    assert exam.window_end - exam.window_start == timedelta(hours=3)


@pytest.mark.parametrize("overrides,field", [
    ({"window_end": "same-as-start"}, "window_end"),
    ({"name": "   "}, "name"),
    ({"duration_minutes": "0"}, "duration_minutes"),
    ({"pass_mark": "101"}, "pass_mark"),
    ({"module_weight": "120"}, "module_weight"),
    ({"grace_minutes": "61"}, "grace_minutes"),
    ({"level": "9"}, "level"),
    ({"timeout_policy": "never"}, "timeout_policy"),
    ({"window_start": "明天"}, "window_start"),
])
def test_create_exam_refuses_bad_input(manager, overrides, field):
    payload = _exam_payload(**overrides)
    if overrides.get("window_end") == "same-as-start":
        payload["window_end"] = payload["window_start"]
    response = manager.post(reverse("exams:exam_create"), payload)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Exam.objects.exists()


def test_window_end_before_start_message(manager):
    payload = _exam_payload()
    payload["window_end"], payload["window_start"] = payload["window_start"], payload["window_end"]
    page = manager.post(reverse("exams:exam_create"), payload).content.decode()
    assert "截止时间必须晚于开考时间" in page
    assert not Exam.objects.exists()


def test_edit_exam(manager, exam):
    response = manager.post(reverse("exams:exam_edit", kwargs={"exam_id": exam.pk}),
                            _exam_payload(name="改名", duration_minutes="120", timeout_policy="grace"))
    assert response.status_code == 302
    exam.refresh_from_db()
    assert (exam.name, exam.duration_minutes, exam.timeout_policy) == ("改名", 120, "grace")


def test_duration_is_frozen_once_a_candidate_started(manager, exam, registrations):
    _start_sitting(registrations[0])
    url = reverse("exams:exam_edit", kwargs={"exam_id": exam.pk})
    response = manager.post(url, _exam_payload(duration_minutes="120"))
    assert response.status_code == 200
    assert "已有考生开始作答，不能再修改考试时长" in response.content.decode()
    exam.refresh_from_db()
    assert exam.duration_minutes == 90 and exam.name == "四级实操考试"
    # other settings may still change
    assert manager.post(url, _exam_payload(duration_minutes="90", name="新名字")).status_code == 302
    exam.refresh_from_db()
    assert exam.name == "新名字"


def test_level_is_frozen_once_candidates_are_registered(exam, examiner, registrations):
    with pytest.raises(ExamError, match="级别"):
        manage_services.exam_update(exam=exam, data=_data(exam, level="3"), actor=examiner)
    exam.refresh_from_db()
    assert exam.level == "4"


def test_service_refuses_window_end_not_after_start(exam, examiner):
    with pytest.raises(ExamError, match="截止时间"):
        manage_services.exam_update(exam=exam, data=_data(exam, window_end=exam.window_start), actor=examiner)
    assert Exam.objects.get().window_end == exam.window_end


# -- the paper -------------------------------------------------------------------------------------

def _add(client, exam, slug, **extra):
    return client.post(reverse("exams:exam_part_add", kwargs={"exam_id": exam.pk}),
                       {"scenario_slug": slug, "weight": "1", **extra})


def _order(exam):
    return list(exam.parts.order_by("position").values_list("scenario_slug", flat=True))


def test_add_parts_from_the_catalog(manager, exam):
    page = manager.get(reverse("exams:exam_detail", kwargs={"exam_id": exam.pk})).content.decode()
    assert "店铺首页装修（shop-decoration）" in page
    assert _add(manager, exam, "shop-decoration", title="", weight="2").status_code == 302
    assert _add(manager, exam, "order-fulfilment", title="订单题").status_code == 302
    parts = list(exam.parts.order_by("position"))
    assert [(p.position, p.scenario_slug, p.title, p.weight) for p in parts] == [
        (1, "shop-decoration", "店铺首页装修", Decimal("2")), (2, "order-fulfilment", "订单题", Decimal("1"))]


@pytest.mark.parametrize("slug,weight,message", [
    ("no-such-scenario", "1", "场景目录中没有这个场景"),
    ("", "1", "请选择场景"),
    ("shop-decoration", "0", ""),
    ("shop-decoration", "abc", ""),
])
def test_add_part_refuses_bad_input(manager, exam, slug, weight, message):
    response = _add(manager, exam, slug, weight=weight)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not exam.parts.exists()


def test_a_scenario_appears_once_per_paper(manager, exam):
    _add(manager, exam, "shop-decoration")
    response = _add(manager, exam, "shop-decoration")
    assert response.status_code == 400 and "试卷中已有场景" in response.content.decode()
    assert exam.parts.count() == 1


def test_a_scenario_that_fails_to_load_is_refused(manager, exam, settings, tmp_path):
    broken = tmp_path / "broken-scenario"
    broken.mkdir()
    (broken / "scenario.yaml").write_text("slug: broken-scenario\ntitle: [not, a, mapping\n", encoding="utf-8")
    settings.SCENARIO_CATALOG_DIR = str(tmp_path)
    page = manager.get(reverse("exams:exam_detail", kwargs={"exam_id": exam.pk})).content.decode()
    assert "broken-scenario（无法载入）" in page
    response = _add(manager, exam, "broken-scenario")
    assert response.status_code == 400 and "无法载入" in response.content.decode()
    assert not exam.parts.exists()
    with pytest.raises(ExamError, match="无法载入"):
        manage_services.exam_part_add(exam=exam, scenario_slug="broken-scenario", title="", weight=Decimal(1), actor=None)
    assert not exam.parts.exists()


def test_move_and_remove_parts(manager, exam):
    for slug in SCENARIOS:
        _add(manager, exam, slug)
    parts = {p.scenario_slug: p for p in exam.parts.all()}

    def move(slug, direction):
        url = reverse("exams:exam_part_move", kwargs={"exam_id": exam.pk, "exampart_id": parts[slug].pk})
        assert manager.post(url, {"direction": direction}).status_code == 302

    move("customer-service", "up")
    assert _order(exam) == ["shop-decoration", "customer-service", "order-fulfilment"]
    move("shop-decoration", "down")
    assert _order(exam) == ["customer-service", "shop-decoration", "order-fulfilment"]
    move("customer-service", "up")  # already first: nothing moves
    assert _order(exam) == ["customer-service", "shop-decoration", "order-fulfilment"]
    move("order-fulfilment", "sideways")
    assert _order(exam) == ["customer-service", "shop-decoration", "order-fulfilment"]
    url = reverse("exams:exam_part_remove", kwargs={"exam_id": exam.pk, "exampart_id": parts["customer-service"].pk})
    assert manager.post(url).status_code == 302
    assert list(exam.parts.order_by("position").values_list("position", "scenario_slug")) == [
        (1, "shop-decoration"), (2, "order-fulfilment")]


def test_paper_is_frozen_once_a_candidate_started(manager, exam, registrations):
    _add(manager, exam, "shop-decoration")
    _add(manager, exam, "order-fulfilment")
    _start_sitting(registrations[0])
    before = list(exam.parts.order_by("position").values_list("pk", "position", "scenario_slug", "weight"))
    part = exam.parts.get(scenario_slug="order-fulfilment")
    detail = reverse("exams:exam_detail", kwargs={"exam_id": exam.pk})

    response = _add(manager, exam, "customer-service")
    assert response.status_code == 400 and "已有考生开始作答，不能再修改试卷" in response.content.decode()
    for url, data in ((reverse("exams:exam_part_move", kwargs={"exam_id": exam.pk, "exampart_id": part.pk}),
                       {"direction": "up"}),
                      (reverse("exams:exam_part_remove", kwargs={"exam_id": exam.pk, "exampart_id": part.pk}), {})):
        response = manager.post(url, data, follow=True)
        assert response.redirect_chain[-1][0] == detail
        assert "已有考生开始作答，不能再修改试卷" in response.content.decode()
    assert list(exam.parts.order_by("position").values_list("pk", "position", "scenario_slug", "weight")) == before
    page = manager.get(detail).content.decode()
    assert "试卷已锁定" in page and "添加试题" not in page


def test_another_exams_part_is_404(manager, exam, examiner):
    other = Exam.objects.create(name="另一场", level="4", window_start=exam.window_start, window_end=exam.window_end,
                                created_by=examiner)
    theirs = ExamPart.objects.create(exam=other, position=1, scenario_slug="shop-decoration", title="x")
    for name in ("exam_part_remove", "exam_part_move"):
        url = reverse(f"exams:{name}", kwargs={"exam_id": exam.pk, "exampart_id": theirs.pk})
        assert manager.post(url, {"direction": "down"}).status_code == 404
    assert ExamPart.objects.filter(pk=theirs.pk).exists()


# -- registrations ---------------------------------------------------------------------------------

def test_id_number_mask():
    assert id_number_mask("440106199001011234") == "4401**********1234"
    assert id_number_mask("44010619900101123X") == "4401**********123X"
    assert id_number_mask("E12345678") == "E1*****78"
    assert id_number_mask("P1234") == "P***4"
    assert id_number_mask("") == ""


def test_registration_list_masks_id_numbers(manager, exam, registrations):
    _start_sitting(registrations[0])
    page = manager.get(reverse("exams:registration_list", kwargs={"exam_id": exam.pk})).content.decode()
    for reg in registrations:
        assert reg.ticket_number in page and reg.full_name in page
        assert reg.id_number not in page
        assert id_number_mask(reg.id_number) in page
    assert "居民身份证" in page and "作答中" in page and "未开始" in page


def test_import_page_shows_the_problems_table_and_imports_nothing(manager, exam):
    url = reverse("exams:registration_import", kwargs={"exam_id": exam.pk})
    upload = SimpleUploadedFile("名单.csv", csv_bytes(f"张三,居民身份证,{ID_A},四级,,", f"李四,身份证,{ID_A},五级,,"))
    response = manager.post(url, {"file": upload})
    assert response.status_code == 400
    page = response.content.decode()
    assert "未导入任何考生" in page
    assert "<th scope=\"col\">行</th><th scope=\"col\">列</th><th scope=\"col\">问题</th>" in page
    assert "证件号码与第 3 行重复" in page and "与本场考试的级别" in page
    assert not Registration.objects.exists()


def test_import_page_success(manager, exam):
    url = reverse("exams:registration_import", kwargs={"exam_id": exam.pk})
    upload = SimpleUploadedFile("名单.csv", csv_bytes(f"张三,居民身份证,{ID_A},四级,,", f"李四,居民身份证,{ID_B},四级,,"))
    response = manager.post(url, {"file": upload}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("exams:registration_list", kwargs={"exam_id": exam.pk})
    assert "已导入 2 名考生" in response.content.decode()
    assert Registration.objects.filter(exam=exam).count() == 2


@pytest.mark.parametrize("name,data,message", [
    ("名单.txt", b"a,b", "只支持 CSV"),
    ("名单.csv", b"x" * (2 * 1024 * 1024 + 1), "不能超过"),
])
def test_import_form_refuses_wrong_files(manager, exam, name, data, message):
    url = reverse("exams:registration_import", kwargs={"exam_id": exam.pk})
    response = manager.post(url, {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 400 and message in response.content.decode()
    assert not Registration.objects.exists()


def test_import_template_download(manager):
    response = manager.get(reverse("exams:import_template"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content == "\ufeff姓名,证件类型,证件号码,级别,过程模块成绩,理论成绩\r\n".encode()


def _edit_url(exam, registration):
    return reverse("exams:registration_edit", kwargs={"exam_id": exam.pk, "registration_id": registration.pk})


def test_edit_scores_and_photo(manager, exam, registrations):
    reg = registrations[1]
    photo = SimpleUploadedFile("photo.jpg", image_bytes("JPEG"), content_type="image/jpeg")
    response = manager.post(_edit_url(exam, reg), {"module_score": "75.5", "theory_score": "88", "photo": photo})
    assert response.status_code == 302
    reg.refresh_from_db()
    assert (reg.module_score, reg.theory_score) == (Decimal("75.5"), Decimal("88"))
    assert reg.photo.name.startswith("exam-photos/") and reg.photo.name.endswith(".jpg")
    served = manager.get(reverse("exams:registration_photo", kwargs={"exam_id": exam.pk, "registration_id": reg.pk}))
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"


def test_png_photo_is_stored_with_its_real_extension(manager, exam, registrations):
    reg = registrations[0]
    photo = SimpleUploadedFile("photo.jpg", image_bytes("PNG"), content_type="image/jpeg")
    assert manager.post(_edit_url(exam, reg), {"module_score": "", "theory_score": "", "photo": photo}).status_code == 302
    reg.refresh_from_db()
    assert reg.photo.name.endswith(".png") and reg.module_score is None


@pytest.mark.parametrize("filename,data,message", [
    ("photo.jpg", b"just some text, not a picture\n" * 10, "不是有效的 JPG 或 PNG"),
    ("photo.png", image_bytes("PNG")[:60], "不是有效的 JPG 或 PNG"),
    ("photo.gif", image_bytes("GIF"), "只能是 JPG 或 PNG"),
    ("photo.jpg", b"\xff\xd8\xff" + b"0" * (2 * 1024 * 1024), "不能超过"),
])
def test_bad_photos_are_refused(manager, exam, registrations, filename, data, message):
    reg = registrations[0]
    response = manager.post(_edit_url(exam, reg), {"module_score": "99", "theory_score": "99",
                                                   "photo": SimpleUploadedFile(filename, data)})
    assert response.status_code == 400 and message in response.content.decode()
    reg.refresh_from_db()
    assert not reg.photo and reg.module_score == Decimal("80")


@pytest.mark.parametrize("field,value", [("module_score", "100.5"), ("theory_score", "-3"), ("theory_score", "1.234")])
def test_bad_scores_are_refused(manager, exam, registrations, field, value):
    reg = registrations[0]
    data = {"module_score": "80", "theory_score": "70", field: value}
    response = manager.post(_edit_url(exam, reg), data)
    assert response.status_code == 400 and field in response.context["form"].errors
    reg.refresh_from_db()
    assert (reg.module_score, reg.theory_score) == (Decimal("80"), Decimal("70"))


def test_another_exams_registration_is_404(manager, exam, examiner, registrations):
    other = Exam.objects.create(name="另一场", level="4", window_start=exam.window_start, window_end=exam.window_end,
                                created_by=examiner)
    reg = registrations[0]
    for name in ("registration_edit", "registration_photo", "registration_ticket"):
        url = reverse(f"exams:{name}", kwargs={"exam_id": other.pk, "registration_id": reg.pk})
        assert manager.get(url).status_code == 404, name
    assert manager.post(_edit_url(other, reg), {"module_score": "1", "theory_score": "1"}).status_code == 404
    reg.refresh_from_db()
    assert reg.module_score == Decimal("80")


# -- admission tickets -----------------------------------------------------------------------------

def test_exam_tickets_page(manager, exam, registrations):
    page = manager.get(reverse("exams:exam_tickets", kwargs={"exam_id": exam.pk})).content.decode()
    assert page.count('class="ticket"') == 2
    for reg in registrations:
        assert reg.ticket_number in page and reg.full_name in page
        assert reg.id_number not in page and id_number_mask(reg.id_number) in page
    assert exam.name in page and "四级 / 中级工" in page and "90 分钟" in page and "不得使用手机" in page
    assert "33 mm × 48 mm" in page  # the empty photo box
    assert "@media print" in (manager.get("/static/exams/exams.css").getvalue().decode())


def test_candidate_sees_only_their_own_ticket(client, exam, registrations):
    mine, theirs = registrations
    client.force_login(mine.candidate)
    page = client.get(reverse("exams:my_ticket", kwargs={"registration_id": mine.pk})).content.decode()
    assert mine.ticket_number in page and id_number_mask(mine.id_number) in page
    assert client.get(reverse("exams:my_ticket", kwargs={"registration_id": theirs.pk})).status_code == 404
    assert client.get(reverse("exams:my_ticket_photo", kwargs={"registration_id": theirs.pk})).status_code == 404


def test_ticket_shows_the_photo_through_the_checked_view(client, exam, examiner, registrations):
    mine = registrations[0]
    manage_services.registration_update(registration=mine, module_score=None, theory_score=None,
                                        photo=SimpleUploadedFile("p.png", image_bytes()), photo_format="PNG",
                                        actor=examiner)
    client.force_login(mine.candidate)
    photo_url = reverse("exams:my_ticket_photo", kwargs={"registration_id": mine.pk})
    page = client.get(reverse("exams:my_ticket", kwargs={"registration_id": mine.pk})).content.decode()
    assert f'src="{photo_url}"' in page
    assert client.get(photo_url)["Content-Type"] == "image/png"


# -- ticket login ----------------------------------------------------------------------------------

def test_ticket_login_success(client, registrations):
    reg = registrations[1]  # registered with a lower-case x
    response = client.post(reverse("exams:ticket_login"), {"ticket_number": reg.ticket_number,
                                                            "id_number": ID_X.lower()})
    assert response.status_code == 302 and response["Location"] == "/"
    assert int(client.session["_auth_user_id"]) == reg.candidate.pk


@pytest.mark.parametrize("which", ["wrong-id", "wrong-ticket", "other-candidates-id"])
def test_ticket_login_failure_is_one_generic_message(client, registrations, which):
    a, b = registrations
    data = {"wrong-id": (a.ticket_number, ID_B), "wrong-ticket": ("20260000000000", a.id_number),
            "other-candidates-id": (a.ticket_number, b.id_number)}[which]
    response = client.post(reverse("exams:ticket_login"), {"ticket_number": data[0], "id_number": data[1]})
    assert response.status_code == 200
    page = response.content.decode()
    assert "准考证号或证件号码不正确" in page
    assert "_auth_user_id" not in client.session


def test_ticket_login_page_and_link_from_the_main_login(client):
    page = client.get(reverse("exams:ticket_login")).content.decode()
    assert '<label for="id_ticket_number">准考证号</label>' in page
    assert '<label for="id_id_number">证件号码</label>' in page
    assert reverse("exams:ticket_login") in client.get(reverse("accounts:login")).content.decode()


def test_password_login_still_works_and_candidates_have_no_password(rf, make_user, registrations):
    from django.contrib.auth import authenticate

    make_user("plain_user", "trainer", password="pw-12345678")
    assert authenticate(rf.post("/accounts/login/"), username="plain_user", password="pw-12345678")
    reg = registrations[0]
    assert not authenticate(rf.post("/accounts/login/"), username=reg.ticket_number, password="")
    assert not authenticate(rf.post("/accounts/login/"), username=reg.ticket_number, password=reg.id_number)


def test_an_inactive_candidate_cannot_log_in(client, registrations):
    reg = registrations[0]
    User.objects.filter(pk=reg.candidate_id).update(is_active=False)
    client.post(reverse("exams:ticket_login"), {"ticket_number": reg.ticket_number, "id_number": reg.id_number})
    assert "_auth_user_id" not in client.session


def test_registration_id_type_stored(registrations):
    assert {r.id_type for r in registrations} == {IdType.RESIDENT}


def test_admin_lists_the_exam_models_and_keeps_journals_read_only(client, django_user_model, exam, registrations):
    from sandbox.exams.models import SittingEvent

    admin = django_user_model.objects.create_superuser("root_exams", password="pw-12345678")
    client.force_login(admin)
    sitting = _start_sitting(registrations[0])
    event = SittingEvent.objects.create(sitting=sitting, actor="t", action="started")
    for model in ("exam", "registration", "sitting", "sittingevent", "manualscore", "regradepreview", "scorereview"):
        assert client.get(reverse(f"admin:exams_{model}_changelist")).status_code == 200, model
    assert client.get(reverse("admin:exams_exam_change", args=[exam.pk])).status_code == 200
    assert client.get(reverse("admin:exams_sittingevent_add")).status_code == 403
    url = reverse("admin:exams_sittingevent_change", args=[event.pk])
    client.post(url, {"actor": "forged", "action": "x"})
    event.refresh_from_db()
    assert event.actor == "t"
    assert client.post(reverse("admin:exams_sittingevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert SittingEvent.objects.filter(pk=event.pk).exists()
