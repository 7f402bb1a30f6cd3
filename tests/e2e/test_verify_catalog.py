"""CI runs ``scenarios verify`` for every catalog scenario here, inside the e2e session: the test
database, the Daphne server and Chromium are already up, so each scenario costs only its own runs.
(``make verify`` runs the same check through the command on a fresh scratch database.)"""

import io
import shutil
from pathlib import Path

import pytest
from django.db.models import Max

from autograder.browser import BrowserPool
from autograder.verify import verify_command
from shop_sim.models import Sandbox
from task_scenarios.loader import catalog_folders, catalog_root

CATALOG = catalog_folders(catalog_root())


@pytest.fixture(scope="module")
def pool(browser):
    return BrowserPool(browser=browser)


# Each persona runs on one of the two seeds here (``personas="rotate"``, which seed changes by the
# day), so CI covers every persona at half the cost; ``make verify`` runs all of them on every seed.
# Even so a scenario's verify can outgrow pytest.ini's 300 s per test on a loaded 2-core machine.
@pytest.mark.timeout(1200)
@pytest.mark.parametrize("folder", CATALOG, ids=[folder.name for folder in CATALOG])
def test_catalog_scenario_verifies(folder, live_server_url, pool, settings):
    # MEDIA_ROOT stays as it is: the server process (forked at session start) serves files from it.
    newest = Sandbox.objects.aggregate(n=Max("pk"))["n"] or 0
    out, err = io.StringIO(), io.StringIO()
    try:
        code = verify_command([str(folder)], stdout=out, stderr=err, base_url=live_server_url, pool=pool,
                              personas="rotate", require_personas=True)
    finally:
        for key in Sandbox.objects.filter(pk__gt=newest).values_list("storefront_key", flat=True):
            shutil.rmtree(Path(settings.MEDIA_ROOT) / "shops" / key, ignore_errors=True)
    assert code == 0, out.getvalue() + err.getvalue()
