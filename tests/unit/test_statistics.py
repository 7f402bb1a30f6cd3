"""Trainer statistics: the item-analysis maths on hand-computed examples, and the exam page's
numbers for a small exam whose reports are stored data fixtures with known totals (this tests the
statistics, not the grader). Also: who may open the pages, no candidate's name or ticket on them,
and a query count that does not grow with the number of candidates."""

from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sandbox.exams.models import Exam, ExamPart, ManualScore, Registration, Sitting, SittingTask
from sandbox.runtime.models import Attempt, AttemptReport
from sandbox.statistics import analysis
from shop_sim.models import Sandbox
from task_scenarios.models import ScenarioInstance

# -- the maths ------------------------------------------------------------------------------------


def test_mean_median_std_dev_pass_rate_by_hand():
    values = [100, 70, 60, 40, 10]
    assert analysis.mean(values) == 56
    assert analysis.median(values) == 60
    assert analysis.median([1, 2, 3, 10]) == 2.5
    # deviations 44, 14, 4, -16, -46 → squares sum 4520; population σ = sqrt(904)
    assert analysis.std_dev(values) == pytest.approx(904 ** 0.5) and round(analysis.std_dev(values), 4) == 30.0666
    assert analysis.std_dev([7]) == 0
    assert analysis.pass_rate(values, Decimal("60")) == pytest.approx(0.6)  # 60 itself passes
    assert analysis.pass_rate([59.99], 60) == 0


def test_empty_inputs_give_none_not_errors():
    assert analysis.mean([]) is None
    assert analysis.median([]) is None
    assert analysis.std_dev([]) is None
    assert analysis.pass_rate([], 60) is None
    assert analysis.difficulty([], 10) is None
    assert analysis.discrimination([], []) is None
    assert analysis.fraction_bins([]).total == 0
    assert [b.count for b in analysis.histogram([])] == [0] * 10


def test_histogram_has_ten_point_bins_and_the_last_includes_100():
    bins = analysis.histogram([0, 9.99, 10, 59.5, 60, 99.99, 100])
    assert [b.label for b in bins] == ["0–10", "10–20", "20–30", "30–40", "40–50", "50–60", "60–70", "70–80",
                                       "80–90", "90–100"]
    assert [b.count for b in bins] == [2, 1, 0, 0, 0, 1, 1, 0, 0, 2]
    assert bins[-1].closed and not bins[0].closed


def test_difficulty_is_mean_over_max():
    assert analysis.difficulty([6, 6, 3, 0, 0], 6) == pytest.approx(0.5)
    assert analysis.difficulty([1, 2], 0) is None


def test_group_size_is_27_percent_rounded_half_up_at_least_one():
    assert [analysis.group_size(n) for n in (0, 1, 2, 3, 4, 10, 50, 100)] == [0, 0, 1, 1, 1, 3, 14, 27]


def test_discrimination_by_hand_without_ties():
    # n = 10 → k = 3. Upper three by rank (100, 90, 80): fractions 1, 1, 0.5 → 0.8333;
    # lower three (10, 20, 30): 0, 0.5, 0 → 0.1667; D = 0.6667
    ranks = [100, 90, 80, 70, 60, 50, 40, 30, 20, 10]
    fractions = [1, 1, 0.5, 1, 0, 1, 0, 0, 0.5, 0]
    assert analysis.discrimination(fractions, ranks) == pytest.approx(2 / 3)
    # the order rows come in does not matter
    assert analysis.discrimination(fractions[::-1], ranks[::-1]) == pytest.approx(2 / 3)


def test_discrimination_ties_at_the_cut_share_the_places():
    # n = 4 → k = 1. Two candidates tie at the top (rank 9) with fractions 1 and 0: they share
    # the one upper place → upper = 0.5; lower = the rank-1 candidate's 0 → D = 0.5, whichever
    # of the tied two comes first.
    assert analysis.discrimination([1, 0, 0.5, 0], [9, 9, 5, 1]) == pytest.approx(0.5)
    assert analysis.discrimination([0, 1, 0.5, 0], [9, 9, 5, 1]) == pytest.approx(0.5)


def test_discrimination_small_samples():
    assert analysis.discrimination([1], [5]) is None  # one candidate: no two groups
    # n = 3 → k = 1: upper (rank 8) 1.0, lower (rank 2) 0.25
    assert analysis.discrimination([1, 0.5, 0.25], [8, 5, 2]) == pytest.approx(0.75)
    # n = 2 → k = 1: a criterion the weaker candidate got and the stronger did not: negative D
    assert analysis.discrimination([0, 1], [10, 3]) == pytest.approx(-1)


def test_all_equal_rank_scores_give_zero_discrimination():
    assert analysis.discrimination([1, 0, 1, 0, 1, 0, 1, 0, 1, 0], [50] * 10) == 0


def test_discrimination_needs_pairs():
    with pytest.raises(ValueError):
        analysis.discrimination([1, 0], [1])


def test_fraction_bins():
    bins = analysis.fraction_bins([0, 0, 0.2, 0.5, 0.99, 1, 1])
    assert (bins.zero, bins.under_half, bins.half_or_more, bins.full) == (2, 1, 2, 2)


@pytest.mark.parametrize("n, p, d, flag", [
    (9, 0.5, 0.5, analysis.FLAG_INSUFFICIENT),
    (10, 0.5, 0.5, analysis.FLAG_OK),
    (10, 0.29, 0.5, analysis.FLAG_ATTENTION),
    (10, 0.3, 0.2, analysis.FLAG_OK),  # the thresholds themselves are fine
    (10, 0.96, 0.5, analysis.FLAG_ATTENTION),
    (10, 0.95, 0.5, analysis.FLAG_OK),
    (10, 0.5, 0.19, analysis.FLAG_ATTENTION),
    (10, None, None, analysis.FLAG_INSUFFICIENT),
])
def test_item_flag(n, p, d, flag):
    assert analysis.item_flag(n, p, d) == flag


# -- a small exam as stored data --------------------------------------------------------------------

PART_A = [("a1", "6"), ("a2", "4")]  # criterion id, points: task A out of 10
PART_B = [("b1", "10")]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _report(attempt, criteria: list[tuple[str, str]], scores: list, manual: set = frozenset()) -> AttemptReport:
    rows = [{"id": cid, "kind": "manual" if cid in manual else "state", "description": f"评分项 {cid}",
             "points": points, "machine_scored": cid not in manual,
             "result": {"score": str(score), "max": points, "message": ""}}
            for (cid, points), score in zip(criteria, scores)]
    total = sum((Decimal(str(s)) for (cid, _p), s in zip(criteria, scores) if cid not in manual), Decimal(0))
    top = sum((Decimal(p) for _c, p in criteria), Decimal(0))
    return AttemptReport.objects.create(attempt=attempt, version=1, total=total, max=top,
                                        report={"criteria": rows, "total": str(total), "max": str(top)},
                                        grader_version="test")


class ExamBuilder:
    def __init__(self, exam: Exam, make_user):
        self.exam, self.make_user, self.count = exam, make_user, 0
        self.parts = list(exam.parts.order_by("position"))

    def candidate(self, name: str, reports: list | None, *, version: int = 1):
        """A registration; ``reports`` per part: None (not graded) or a list of criterion scores;
        ``reports=None`` = registered, never started."""
        self.count += 1
        user = self.make_user(f"stat_{self.exam.pk}_{self.count}")
        registration = Registration.objects.create(exam=self.exam, candidate=user, full_name=name,
                                                   id_number=f"11010119900101{self.count:04d}",
                                                   ticket_number=f"T{self.exam.pk:03d}{self.count:05d}")
        if reports is None:
            return registration
        sitting = Sitting.objects.create(registration=registration, status=Sitting.Status.SUBMITTED)
        for part, scores in zip(self.parts, reports):
            sandbox = Sandbox.objects.create(name="s", owner=user)
            instance = ScenarioInstance.objects.create(sandbox=sandbox,
                                                       scenario_uuid="00000000-0000-0000-0000-000000000001",
                                                       slug=part.scenario_slug, version=1, seed=1, baseline=b"")
            attempt = Attempt.objects.create(candidate=user, instance=instance, mode=Attempt.Mode.EXAM,
                                             status=Attempt.Status.GRADED if scores else Attempt.Status.SUBMITTED)
            SittingTask.objects.create(sitting=sitting, part=part, attempt=attempt)
            if scores is not None:
                criteria = PART_A if part.position == 1 else PART_B
                _report(attempt, criteria, scores, manual=getattr(self, "manual", set()))
        return registration


NAMES = ["张三丰", "李四光", "王五岳", "赵六合", "钱七星", "孙八方", "周九龄"]


@pytest.fixture
def small_exam(make_user):
    admin = make_user("stat_owner", role="examiner")
    now = timezone.now()
    exam = Exam.objects.create(name="四级实操统计测试", window_start=now - timedelta(hours=3),
                               window_end=now - timedelta(hours=1), module_weight=0, created_by=admin)
    ExamPart.objects.create(exam=exam, position=1, scenario_slug="shop-decoration", title="网店装修")
    ExamPart.objects.create(exam=exam, position=2, scenario_slug="order-fulfilment", title="订单处理")
    b = ExamBuilder(exam, make_user)
    # operational = mean of the two task percentages: 100, 70, 60, 40, 10
    b.candidate(NAMES[0], [[6, 4], [10]])
    b.candidate(NAMES[1], [[6, 0], [8]])
    b.candidate(NAMES[2], [[3, 4], [5]])
    b.candidate(NAMES[3], [[0, 4], [4]])
    b.candidate(NAMES[4], [[0, 0], [2]])
    b.candidate(NAMES[5], None)  # registered, never started
    b.candidate(NAMES[6], [[6, 4], None])  # task B not graded yet: pending; its task A counts for criteria
    return exam, b


@pytest.fixture
def trainer_client(client, make_user):
    client.force_login(make_user("stat_trainer", role="trainer"))
    return client


class Node:
    """A tiny DOM (the standard library's parser; no extra dependency for a few selectors)."""

    def __init__(self, tag: str, attrs: dict, parent=None):
        self.tag, self.attrs, self.parent, self.children, self.texts = tag, attrs, parent, [], []

    def __getitem__(self, name):
        return self.attrs[name]

    def walk(self):
        for child in self.children:
            yield child
            yield from child.walk()

    def find_all(self, tag: str | None = None, **attrs) -> list:
        return [n for n in self.walk() if (tag is None or n.tag == tag)
                and all(n.attrs.get(k.replace("_", "-")) == v or (v is True and k.replace("_", "-") in n.attrs)
                        for k, v in attrs.items())]

    def find(self, tag=None, **attrs):
        found = self.find_all(tag, **attrs)
        return found[0] if found else None

    def _text(self) -> str:
        return " ".join(" ".join(p for p in self._parts() if p).split()).strip()

    def _parts(self):
        for piece in self.texts:
            yield piece
        for child in self.children:
            yield from child._parts()


class _Builder(HTMLParser):
    VOID = {"meta", "link", "br", "img", "input", "hr", "source"}

    def __init__(self):
        super().__init__()
        self.root = self.cur = Node("root", {})

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self.cur)
        self.cur.children.append(node)
        if tag not in self.VOID:
            self.cur = node

    def handle_endtag(self, tag):
        node = self.cur
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.cur = node.parent

    def handle_data(self, data):
        self.cur.texts.append(data)


def _soup(response) -> Node:
    assert response.status_code == 200, response.status_code
    builder = _Builder()
    builder.feed(response.content.decode())
    return builder.root


def _t(node) -> str:
    return "".join(node._text().split())


def _row(soup, task: str, item: str) -> dict:
    table = soup.find("table", data_task=task)
    row = table.find("tr", data_item=item) if table else None
    assert row is not None, f"no row {task}/{item}"
    cells = {td["data-col"]: node_text(td) for td in row.find_all("td", data_col=True)}
    cells["bins"] = [_t(td) for td in row.find("table", **{"class": "bins"}).find("tbody").find_all("td")]
    return cells


def node_text(node) -> str:
    return node._text()


def _stats(soup) -> dict:
    return {dd["data-stat"]: _t(dd) for dd in soup.find_all("dd", data_stat=True)}


@pytest.mark.django_db
def test_exam_page_numbers_match_the_hand_computation(trainer_client, small_exam):
    exam, _b = small_exam
    soup = _soup(trainer_client.get(reverse("statistics:exam_detail", kwargs={"exam_id": exam.pk})))
    assert _stats(soup) == {"registered": "7", "scored": "5", "pending": "1", "mean": "56.00", "median": "60.00",
                    "std_dev": "30.07", "pass_rate": "60.0%"}
    distribution = {_t(tr.find("th")): _t(tr.find("td"))
                    for tr in soup.find("table", id="score-distribution").find("tbody").find_all("tr")}
    assert distribution == {"0–10": "0", "10–20": "1", "20–30": "0", "30–40": "0", "40–50": "1", "50–60": "0",
                            "60–70": "1", "70–80": "1", "80–90": "0", "90–100": "1"}
    assert soup.find(id="score-chart-data") is not None  # the chart's data, same numbers

    # task A over the 5 complete candidates: scores 10, 6, 7, 4, 0; ranked by operational, k = 1
    assert _row(soup, "shop-decoration", "shop-decoration") == {
        "n": "5", "mean": "5.40", "max": "10", "p": "0.54", "d": "1.00", "flag": "样本不足",
        "bins": ["1", "1", "2", "1"]}  # 0 · 0.4 · 0.6, 0.7 · 1
    # a1 over 6 complete task-A attempts (the pending candidate's task A counts): 6,6,3,0,0,6 of 6;
    # k = 2: upper (A totals 10, 10) 1, 1; lower (0, 4) 0, 0
    assert _row(soup, "shop-decoration", "a1") == {
        "n": "6", "mean": "3.50", "max": "6", "p": "0.58", "d": "1.00", "flag": "样本不足",
        "bins": ["2", "0", "1", "3"]}
    # a2: 4,0,4,4,0,4 of 4; upper 1, 1; lower (A totals 0 and 4) 0 and 1 → 0.5
    assert _row(soup, "shop-decoration", "a2") == {
        "n": "6", "mean": "2.67", "max": "4", "p": "0.67", "d": "0.50", "flag": "样本不足",
        "bins": ["2", "0", "0", "4"]}
    # task B: 10, 8, 5, 4, 2 of 10; D = 1.0 − 0.2
    assert _row(soup, "order-fulfilment", "b1")["d"] == "0.80"
    assert _row(soup, "order-fulfilment", "b1")["mean"] == "5.80"
    assert "区分度 D" in soup._text() and "27%" in soup._text()  # the formula is on the page


@pytest.mark.django_db
def test_manual_criteria_count_once_scored(trainer_client, small_exam, make_user):
    exam, _b = small_exam
    other = Exam.objects.create(name="含人工评分", window_start=exam.window_start, window_end=exam.window_end,
                                module_weight=0, created_by=exam.created_by)
    ExamPart.objects.create(exam=other, position=1, scenario_slug="customer-service", title="客服")
    b = ExamBuilder(other, make_user)
    b.manual = {"a2"}
    scored = b.candidate("甲", [[6, 0]])
    b.candidate("乙", [[3, 0]])  # a2 not scored by an examiner yet: pending
    attempt = SittingTask.objects.get(sitting__registration=scored).attempt
    ManualScore.objects.create(attempt=attempt, criterion_id="a2", level="good", points=Decimal("2"),
                               examiner=exam.created_by)
    ManualScore.objects.create(attempt=attempt, criterion_id="a2", level="better", points=Decimal("3"),
                               examiner=exam.created_by)  # the latest counts
    soup = _soup(trainer_client.get(reverse("statistics:exam_detail", kwargs={"exam_id": other.pk})))
    assert _stats(soup)["scored"] == "1"
    assert _stats(soup)["pending"] == "1"
    assert _stats(soup)["mean"] == "90.00"  # (6 + 3) / 10
    assert _row(soup, "customer-service", "a2")["mean"] == "3.00"
    assert _row(soup, "customer-service", "a2")["n"] == "1"


@pytest.mark.django_db
def test_pages_never_show_candidate_names_or_tickets(trainer_client, small_exam):
    exam, _b = small_exam
    pages = [trainer_client.get(reverse("statistics:exam_list")),
             trainer_client.get(reverse("statistics:exam_detail", kwargs={"exam_id": exam.pk}))]
    registrations = list(Registration.objects.filter(exam=exam).select_related("candidate"))
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        for registration in registrations:
            for secret in (registration.full_name, registration.ticket_number, registration.id_number,
                           registration.candidate.username):
                assert secret not in html


@pytest.mark.django_db
def test_list_shows_only_exams_with_a_graded_attempt(trainer_client, small_exam, make_user):
    exam, _b = small_exam
    ungraded = Exam.objects.create(name="尚未评分的考试", window_start=exam.window_start,
                                   window_end=exam.window_end, created_by=exam.created_by)
    ExamPart.objects.create(exam=ungraded, position=1, scenario_slug="shop-decoration")
    ExamBuilder(ungraded, make_user).candidate("某人", [None])  # started, submitted, not graded
    soup = _soup(trainer_client.get(reverse("statistics:exam_list")))
    table = soup.find("table", **{"class": "grid"})
    links = {_t(a): a["href"] for a in table.find_all("a")}
    assert links == {exam.name: reverse("statistics:exam_detail", kwargs={"exam_id": exam.pk})}
    assert _t(table.find("tbody").find("tr").find_all("td")[-1]) == "6"
    # its page still answers (an empty analysis), and an unknown exam is a 404
    soup = _soup(trainer_client.get(reverse("statistics:exam_detail", kwargs={"exam_id": ungraded.pk})))
    assert _stats(soup)["scored"] == "0"
    assert soup.find(id="score-chart-data") is None
    missing = trainer_client.get(reverse("statistics:exam_detail", kwargs={"exam_id": ungraded.pk + 999}))
    assert missing.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role, status", [("candidate", 403), ("examiner", 200), ("trainer", 200), ("admin", 200)])
def test_who_may_open_the_statistics(client, make_user, small_exam, role, status):
    exam, _b = small_exam
    client.force_login(make_user(f"who_{role}", role=role))
    for url in (reverse("statistics:exam_list"), reverse("statistics:exam_detail", kwargs={"exam_id": exam.pk})):
        assert client.get(url).status_code == status


@pytest.mark.django_db
def test_anonymous_goes_to_login_and_writes_are_refused(client, small_exam, make_user):
    exam, _b = small_exam
    url = reverse("statistics:exam_detail", kwargs={"exam_id": exam.pk})
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    client.force_login(make_user("stat_post", role="trainer"))
    assert client.post(url).status_code == 405


@pytest.mark.django_db
def test_query_count_does_not_grow_with_candidates(trainer_client, small_exam):
    exam, b = small_exam
    url = reverse("statistics:exam_detail", kwargs={"exam_id": exam.pk})
    trainer_client.get(url)  # session, content types: warm
    with CaptureQueriesContext(connection) as before:
        assert trainer_client.get(url).status_code == 200
    for n in range(6):
        b.candidate(f"加{n}", [[n % 7, 4], [n]])
    with CaptureQueriesContext(connection) as after:
        assert trainer_client.get(url).status_code == 200
    assert len(after) == len(before)
