"""The benchmark machinery on a tiny plan: every step runs, loaddata rebuilds the same shop."""

import pytest
from django.urls import NoReverseMatch

from bench import runner
from bench.runner import Bench, Plan, summary
from shop_sim.models import Sandbox

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore:No directory at")]

TINY = Plan(products=4, orders=8, customers=5, provision_runs=2, loaddata_runs=1, http_requests=2)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_summary_median_and_nearest_rank_p95():
    result = summary([0.001 * n for n in range(1, 21)])
    assert result["runs"] == 20 and result["median_ms"] == 10.5 and result["p95_ms"] == 19.0
    assert result["min_ms"] == 1.0


def test_a_tiny_bench_runs_every_step(tmp_path):
    lines = []
    bench = Bench(TINY, tmp_path, log=lines.append)
    bench.template_build()
    dump = bench.dump()
    bench.provision()
    bench.pages()
    bench.loaddata(dump)
    results = bench.results
    assert results["provision"]["runs"] == 2 and results["provision"]["same_fingerprint"]
    assert results["loaddata"]["runs"] == 1 and results["loaddata"]["same_fingerprint"]
    assert results["loaddata_over_provision"] > 0
    assert Sandbox.objects.filter(name__startswith="bench copy").count() == 2
    for page in results["pages"].values():
        assert "skipped" in page or page["runs"] == 2
    assert "sandbox_provision" in bench.table()


def test_pages_that_do_not_resolve_are_skipped_with_a_line(tmp_path, monkeypatch):
    bench = Bench(TINY, tmp_path, log=lambda line: None)
    bench.template_build()
    bench.provision()

    def missing(name, kwargs=None):
        raise NoReverseMatch(name)

    monkeypatch.setattr(runner, "reverse", missing)
    bench.pages()
    assert all("does not resolve" in page["skipped"] for page in bench.results["pages"].values())
