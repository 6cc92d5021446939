"""What the deployment files say: compose services and Kubernetes workloads,
with the command, environment and image of each process."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.tools.services import ROOT

DEPLOY = ROOT / "deploy"
COMPOSE_FILE = DEPLOY / "compose" / "compose.yaml"
K8S = DEPLOY / "k8s"
# Listed in no kustomization on purpose (placeholders only).
K8S_EXAMPLES = {K8S / "secret.example.yaml"}


@dataclass(frozen=True)
class Process:
    """One container as a deployment file describes it."""

    where: str  # "compose" or "k8s"
    name: str  # compose service, or workload/container
    service: str  # whose image it runs: ingest, auth, ...
    command: list[str] | None  # None: the image's CMD
    env: dict[str, str]  # plain values; secrets and $(VAR) references left out
    working_dir: str | None = None


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return document


_VARIABLE = re.compile(r"\$\{(\w+)(?::?([-?])([^}]*))?\}")


def interpolate(value: str, variables: dict[str, str] | None = None) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?message}, with ``variables``
    standing for the .env file (none set: defaults, and "set" for required ones)."""
    given = variables or {}

    def one(match: re.Match[str]) -> str:
        name, kind, rest = match.groups()
        if given.get(name):
            return given[name]
        if kind == "-":
            return rest
        return "set" if kind == "?" else ""

    return _VARIABLE.sub(one, value)


def _image_service(image: str) -> str | None:
    name = image.split(":")[0]
    return name.split("/", 1)[1] if name.startswith("dagtilbud/") else None


def compose_processes() -> list[Process]:
    found = []
    for name, spec in compose()["services"].items():
        service = _image_service(interpolate(spec.get("image", "")))
        if service is None:
            continue
        command = spec.get("command")
        entrypoint = spec.get("entrypoint")
        if isinstance(command, str) or isinstance(entrypoint, str):
            raise ValueError(f"compose service {name}: use the list form of command")
        if entrypoint is not None:
            command = [*entrypoint, *(command or [])]
        env = {
            k: "" if v is None else interpolate(str(v))
            for k, v in (spec.get("environment") or {}).items()
        }
        found.append(Process("compose", name, service, command, env, spec.get("working_dir")))
    return found


def k8s_files(root: Path = K8S) -> list[Path]:
    """Every manifest file (kustomizations not counted)."""
    return sorted(p for p in root.rglob("*.yaml") if p.name != "kustomization.yaml")


def k8s_kustomizations(root: Path = K8S) -> list[Path]:
    return sorted(root.rglob("kustomization.yaml"))


def k8s_documents(files: list[Path] | None = None) -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in files or k8s_files():
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                yield path, document


def pod_spec(document: dict[str, Any]) -> dict[str, Any] | None:
    if document["kind"] in ("Deployment", "Job", "StatefulSet", "DaemonSet"):
        spec: dict[str, Any] = document["spec"]["template"]["spec"]
        return spec
    if document["kind"] == "CronJob":
        spec = document["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        return spec
    return None


def configmap() -> dict[str, str]:
    for _path, document in k8s_documents():
        if document["kind"] == "ConfigMap" and document["metadata"]["name"] == "dagtilbud-config":
            data: dict[str, str] = document["data"]
            return data
    raise LookupError("ConfigMap dagtilbud-config")


def _container_env(container: dict[str, Any], config: dict[str, str]) -> dict[str, str]:
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if source.get("configMapRef", {}).get("name") == "dagtilbud-config":
            env.update(config)
    for variable in container.get("env", []):
        if "value" in variable and "$(" not in variable["value"]:
            env[variable["name"]] = str(variable["value"])
    return env


def k8s_processes() -> list[Process]:
    """Every container, init containers first (they run in that order)."""
    config = configmap()
    found = []
    for _path, document in k8s_documents():
        spec = pod_spec(document)
        if spec is None:
            continue
        workload = document["metadata"]["name"]
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            service = _image_service(container["image"])
            assert service is not None, f"{workload}: image {container['image']}"
            command = container.get("command")
            if command is not None or container.get("args") is not None:
                command = [*(command or []), *container.get("args", [])]
            found.append(
                Process(
                    "k8s",
                    f"{workload}/{container['name']}",
                    service,
                    command,
                    _container_env(container, config),
                    container.get("workingDir"),
                )
            )
    return found


def workloads(kind: str) -> dict[str, dict[str, Any]]:
    return {
        document["metadata"]["name"]: document
        for _path, document in k8s_documents()
        if document["kind"] == kind
    }


def procfile() -> dict[str, str]:
    """The processes `make run` starts: name -> command line."""
    found = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, command = line.partition(":")
            found[name.strip()] = command.strip()
    return found
