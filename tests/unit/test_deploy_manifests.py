"""The cluster manifests (deploy/k8s) are valid Kubernetes and say what docs/deploy.md promises.

Validated offline against the API schemas that kubernetes-validate ships (strict: an unknown or
misspelt field fails), then read for the promises a schema cannot check: one clock, migrate as a
Job, autoscaled web and workers, commands and probes that exist in this project, no orphan file.
"""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands
from django.urls import resolve

K8S = Path(settings.BASE_DIR) / "deploy" / "k8s"
KUBERNETES_VERSION = "1.31.0"


def _documents() -> list[tuple[Path, dict]]:
    docs = []
    for path in sorted(K8S.rglob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        docs += [(path, doc) for doc in yaml.safe_load_all(path.read_text()) if doc]
    return docs


DOCS = _documents()


def _named(kind: str, name: str) -> dict:
    found = [doc for _, doc in DOCS if doc["kind"] == kind and doc["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def _containers(kind: str, name: str) -> list[dict]:
    spec = _named(kind, name)["spec"]
    return spec["template"]["spec"]["containers"]


@pytest.mark.parametrize("path,doc", DOCS, ids=[f"{p.relative_to(K8S)}:{d['kind']}/{d['metadata']['name']}"
                                                 for p, d in DOCS])
def test_every_manifest_validates_strictly(path, doc):
    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_the_validator_refuses_a_misspelt_field():
    """Proof that the validation above can fail: the schema is really applied, strictly."""
    web = yaml.safe_load(yaml.safe_dump(_named("Deployment", "web")))
    web["spec"]["template"]["spec"]["containers"][0]["envFromm"] = []
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(web, KUBERNETES_VERSION, strict=True)
    web = yaml.safe_load(yaml.safe_dump(_named("Deployment", "web")))
    web["spec"]["replicas"] = "three"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(web, KUBERNETES_VERSION, strict=True)


def test_every_manifest_is_in_a_kustomization_and_every_resource_exists():
    listed = set()
    for kustomization in K8S.rglob("kustomization.yaml"):
        for resource in yaml.safe_load(kustomization.read_text())["resources"]:
            target = (kustomization.parent / resource).resolve()
            assert target.exists(), f"{kustomization}: {resource} does not exist"
            listed.add(target)
    files = {p.resolve() for p, _ in DOCS}
    assert files <= listed, f"not in any kustomization: {sorted(map(str, files - listed))}"


def test_one_clock_replaced_not_rolled():
    clock = _named("Deployment", "clock")
    assert clock["spec"]["replicas"] == 1
    assert clock["spec"]["strategy"]["type"] == "Recreate"
    assert not [d for _, d in DOCS if d["kind"] == "HorizontalPodAutoscaler"
                and d["spec"]["scaleTargetRef"]["name"] == "clock"]


def test_migrate_is_a_job_and_web_and_workers_autoscale():
    job = _named("Job", "migrate")
    assert job["spec"]["template"]["spec"]["containers"][0]["command"][-2:] == ["migrate", "--no-input"]
    for name in ("web", "worker"):
        hpa = _named("HorizontalPodAutoscaler", name)
        target = hpa["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) == ("Deployment", name)
        assert hpa["spec"]["minReplicas"] >= 2 and hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]


def test_commands_are_this_projects_and_probes_hit_real_urls():
    commands = get_commands()
    for kind, name in (("Deployment", "worker"), ("Deployment", "clock"), ("Job", "migrate")):
        command = _containers(kind, name)[0]["command"]
        assert command[:2] == ["python", "manage.py"] and command[2] in commands, command
    web = _containers("Deployment", "web")[0]
    assert web["command"][-1] == settings.ASGI_APPLICATION.replace(".application", ":application")
    hosts = _named("ConfigMap", "sandbox-config")["data"]["DJANGO_ALLOWED_HOSTS"].split(",")
    for probe in ("readinessProbe", "livenessProbe"):
        resolve(web[probe]["httpGet"]["path"])
        # the kubelet asks by pod IP; without an allowed Host header Django answers 400
        headers = {h["name"]: h["value"] for h in web[probe]["httpGet"].get("httpHeaders", [])}
        assert headers.get("Host") in hosts, probe
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz/live", \
        "liveness must not depend on the database: an outage would restart every pod"


def test_services_select_their_pods_and_the_ingress_reaches_web():
    for _, service in [(p, d) for p, d in DOCS if d["kind"] == "Service"]:
        name = service["metadata"]["name"]
        pods = [d for _, d in DOCS if d["kind"] in ("Deployment", "StatefulSet")
                and d["spec"]["template"]["metadata"]["labels"].items() >= service["spec"]["selector"].items()]
        assert pods, f"Service {name} selects no pods"
    backend = _named("Ingress", "web")["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == "web"


def test_configuration_names_are_settings_this_project_reads():
    """A misspelt variable in the ConfigMap would be silently ignored: every key must be read."""
    source = (Path(settings.BASE_DIR) / "sandbox" / "settings.py").read_text()
    config = _named("ConfigMap", "sandbox-config")["data"]
    unknown = [key for key in config if f'"{key}"' not in source]
    assert not unknown, unknown
    assert config["GRADER_BASE_URL"] == "http://web:8000"
    assert "web" in config["DJANGO_ALLOWED_HOSTS"].split(","), "the workers' browsers reach the site as 'web'"
