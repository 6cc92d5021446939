"""The deployment files, checked statically: yamllint on every YAML file in
deploy/, the Kubernetes manifests against the API schemas kubernetes-validate
ships (offline), and what compose, Kubernetes and their READMEs must agree
on: every process `make run` starts is deployed, each process without an
HTTP app is probed on its METRICS_PORT, the pods meet the namespace's
"restricted" Pod Security Standard, and the READMEs name every process."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from yamllint import linter
from yamllint.config import YamlLintConfig

from tests.tools.deploy import (
    COMPOSE_FILE,
    DEPLOY,
    K8S,
    K8S_EXAMPLES,
    compose,
    compose_processes,
    configmap,
    k8s_documents,
    k8s_files,
    k8s_kustomizations,
    pod_spec,
    procfile,
    workloads,
)

YAML_FILES = sorted([*DEPLOY.rglob("*.yaml"), *DEPLOY.rglob("*.yml")])
# The oldest version the README promises (PodDisruptionBudget's
# unhealthyPodEvictionPolicy) and the newest whose schemas are shipped.
K8S_VERSIONS = ["1.27.0", kubernetes_validate.latest_version()]
METRICS_PORT = "9100"


def _rel(path: Path) -> str:
    return str(path.relative_to(DEPLOY))


@pytest.mark.parametrize("path", YAML_FILES, ids=[_rel(p) for p in YAML_FILES])
def test_yamllint(path: Path) -> None:
    config = YamlLintConfig(file=str(DEPLOY / ".yamllint.yaml"))
    problems = [
        f"{path.name}:{p.line}:{p.column}: [{p.level}] {p.desc} ({p.rule})"
        for p in linter.run(path.read_text(), config, str(path))
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("path", k8s_files(), ids=[_rel(p) for p in k8s_files()])
def test_kubernetes_manifests_match_the_api_schemas(path: Path, version: str) -> None:
    """Strict: a misspelt or misplaced field fails, not only a missing one."""
    for document in yaml.safe_load_all(path.read_text()):
        if document:
            kubernetes_validate.validate(document, version, strict=True)


def test_every_manifest_is_in_a_kustomization() -> None:
    listed: set[Path] = set()
    for kustomization in k8s_kustomizations():
        resources = yaml.safe_load(kustomization.read_text())["resources"]
        for resource in resources:
            path = (kustomization.parent / resource).resolve()
            assert path.is_file(), f"{kustomization}: {resource} does not exist"
            listed.add(path)
    unlisted = set(k8s_files()) - listed - K8S_EXAMPLES
    assert not unlisted, f"in no kustomization.yaml: {sorted(map(str, unlisted))}"


def test_the_import_job_uses_the_same_ingest_image() -> None:
    def ingest_image(kustomization: Path) -> dict[str, Any]:
        images = yaml.safe_load(kustomization.read_text())["images"]
        return next(i for i in images if i["name"] == "dagtilbud/ingest")

    assert ingest_image(K8S / "import" / "kustomization.yaml") == ingest_image(
        K8S / "kustomization.yaml"
    )


def _deployment_of(process: str) -> str:
    """Procfile name -> Deployment name: `search` -> `search-http`."""
    return process if "-" in process else f"{process}-http"


def test_every_process_make_run_starts_is_in_compose_and_k8s() -> None:
    processes = procfile()
    assert not set(processes) - set(compose()["services"]), "missing in compose.yaml"
    deployments = set(workloads("Deployment"))
    assert {_deployment_of(p) for p in processes} == deployments


def _env_value(container: dict[str, Any], name: str) -> str | None:
    for variable in container.get("env", []):
        if variable["name"] == name:
            return str(variable.get("value"))
    return None


def test_processes_without_an_http_app_are_probed_on_their_metrics_port() -> None:
    assert configmap()["METRICS_ADDR"] == "0.0.0.0", "the kubelet could not reach them"
    probed = []
    for name, deployment in workloads("Deployment").items():
        spec = pod_spec(deployment)
        assert spec is not None
        for container in spec["containers"]:
            port = _env_value(container, "METRICS_PORT")
            if port is None:
                assert name.endswith("-http"), f"{name}: no METRICS_PORT, no HTTP app"
                continue
            ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
            assert str(ports.get("metrics")) == port, f"{name}: port 'metrics' != {port}"
            assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "metrics"}
            assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}
            annotations = deployment["spec"]["template"]["metadata"].get("annotations", {})
            assert annotations.get("prometheus.io/port") == port, name
            probed.append(name)
    assert sorted(probed) == sorted(
        _deployment_of(p) for p in procfile() if p.endswith(("-relay", "-worker", "-consumer"))
    )


def test_compose_checks_every_long_running_process() -> None:
    for process in compose_processes():
        spec = compose()["services"][process.name]
        if spec.get("restart") == "no":
            continue  # migrations and the import job run once
        assert "healthcheck" in spec, f"{process.name} has no healthcheck"
        test = " ".join(spec["healthcheck"]["test"])
        if "METRICS_PORT" in process.env:
            assert process.env["METRICS_PORT"] == METRICS_PORT
            assert f"127.0.0.1:{METRICS_PORT}/readyz" in test, process.name
        else:
            assert "/readyz" in test, process.name


def _containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [*spec.get("initContainers", []), *spec["containers"]]


def test_pods_meet_the_restricted_pod_security_standard() -> None:
    for path, document in k8s_documents():
        spec = pod_spec(document)
        if spec is None:
            continue
        where = f"{path.name}: {document['metadata']['name']}"
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True, where
        assert pod["seccompProfile"]["type"] == "RuntimeDefault", where
        assert spec["automountServiceAccountToken"] is False, where
        for container in _containers(spec):
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["capabilities"]["drop"] == ["ALL"], where
            assert "limits" in container["resources"], where


def _code_words(readme: Path) -> set[str]:
    return set(re.findall(r"`([^`\s]+)`", readme.read_text()))


def test_compose_readme_names_every_process() -> None:
    named = _code_words(COMPOSE_FILE.parent / "README.md")
    missing = [
        name
        for name in compose()["services"]
        if name not in named and not (name.endswith("-migrate") and "*-migrate" in named)
    ]
    assert not missing, f"deploy/compose/README.md does not name: {missing}"


def test_k8s_readme_names_every_workload() -> None:
    named = _code_words(K8S / "README.md")
    names = [*workloads("Deployment"), *workloads("Job"), *workloads("CronJob")]
    missing = [name for name in names if name not in named]
    assert not missing, f"deploy/k8s/README.md does not name: {missing}"
