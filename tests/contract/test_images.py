"""Each service's image holds what its processes read at start.

There is no Docker engine here, so tests/tools/dockerfile.py lays out the
files each Dockerfile COPYs, and the processes run on exactly those files
(the repository's own source folders are taken off the import path), with
the environment compose and Kubernetes give them (paths inside the image
mapped to the laid-out folder; the embedded SQLite instead of PostgreSQL).
Leave a file out of a Dockerfile that a service reads at start, or point
REFERENCE_DATA_DIR where the image has nothing, and these fail.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.tools.deploy import Process, compose_processes, k8s_processes
from tests.tools.dockerfile import Stage, build
from tests.tools.services import ROOT, SERVICES, ServiceInfo

VENV_BIN = Path(sys.executable).parent
DATA_FILES_SEARCH_READS = ["postnumre.csv"]
REGISTER = ROOT / "data" / "dagtilbud_enheder_dk.csv"

# Imported before anything else: only the image's source folders (and the
# virtualenv's third-party packages) stay on the import path.
SITECUSTOMIZE = """
import os, sys
_repo = {repo!r} + os.sep
_venv = {venv!r}
sys.path[:] = [p for p in sys.path if not (p.startswith(_repo) and not p.startswith(_venv))]
"""


@dataclass
class Image:
    service: ServiceInfo
    stage: Stage
    scratch: Path  # stands for the container's /tmp (a tmpfs, an emptyDir)

    def host(self, value: str) -> str:
        """A path inside the container, as a path on this machine."""
        if value == "/tmp" or value.startswith("/tmp/"):
            return str(self.scratch / value[len("/tmp/") :])
        top = value.lstrip("/").split("/")[0]
        if value.startswith("/") and top and (self.stage.root / top).exists():
            return str(self.stage.host_path(value))
        return value

    def environ(self, process: Process | None = None) -> dict[str, str]:
        env = {k: self.host(v) for k, v in self.stage.env.items() if k != "PATH"}
        if process is not None:
            env.update({k: self.host(v) for k, v in process.env.items()})
        hook = self.scratch.parent / "sitecustomize"
        hook.mkdir(exist_ok=True)
        (hook / "sitecustomize.py").write_text(
            SITECUSTOMIZE.format(repo=str(ROOT), venv=str(ROOT / ".venv"))
        )
        env.update(
            PATH=f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
            PYTHONPATH=os.pathsep.join([str(hook), *map(str, self.stage.source_paths)]),
            HOME=str(self.scratch),
            # The embedded SQLite under DATA_DIR instead of the PostgreSQL of
            # compose or the cluster.
            DATABASE_URL="",
            LOG_LEVEL="WARNING",
        )
        return env

    def run(
        self, argv: list[str], process: Process | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        workdir = (process.working_dir if process else None) or self.stage.workdir
        return subprocess.run(
            argv,
            env=self.environ(process),
            cwd=self.stage.host_path(workdir),
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )


def image_of(service: ServiceInfo, tmp_path: Path) -> Image:
    stage = build(service.root / "Dockerfile", ROOT, tmp_path / "layers")
    scratch = tmp_path / "container-tmp"
    scratch.mkdir()
    return Image(service, stage, scratch)


def http_module(stage: Stage) -> str:
    """The WSGI module gunicorn loads, from the image's CMD."""
    assert stage.cmd, "the image has no CMD"
    assert stage.cmd[0] == "gunicorn", stage.cmd
    return stage.cmd[-1].split(":")[0]


def first_process(where: str, service: ServiceInfo) -> Process:
    """The HTTP process of ``service`` in compose or Kubernetes."""
    processes = compose_processes() if where == "compose" else k8s_processes()
    for process in processes:
        if process.service == service.name and process.command is None:
            return process
    raise LookupError(f"{where}: no HTTP process of {service.name}")


@pytest.mark.parametrize("where", ["compose", "k8s"])
@pytest.mark.parametrize("service", SERVICES, ids=[s.name for s in SERVICES])
def test_image_starts_its_http_app_and_migrations_on_its_own_files(
    service: ServiceInfo, where: str, tmp_path: Path
) -> None:
    image = image_of(service, tmp_path)
    process = first_process(where, service)
    module = http_module(image.stage)
    if service.has_database:
        migrated = image.run(["python", "-m", f"{service.name}.entrypoints.migrate"], process)
        assert migrated.returncode == 0, migrated.stderr
    started = image.run(
        [
            "python",
            "-c",
            f"import importlib, {service.name}; importlib.import_module({module!r}); "
            f"print({service.name}.__file__)",
        ],
        process,
    )
    assert started.returncode == 0, started.stderr
    # It really ran on the image's files, not on the repository's.
    assert started.stdout.strip().startswith(str(image.stage.root)), started.stdout


@pytest.mark.parametrize("service", SERVICES, ids=[s.name for s in SERVICES])
def test_every_deployed_command_exists_in_its_image(service: ServiceInfo, tmp_path: Path) -> None:
    """Each `python -m MODULE` and console script compose and Kubernetes run."""
    image = image_of(service, tmp_path)
    missing = []
    for process in [*compose_processes(), *k8s_processes()]:
        if process.service != service.name or not process.command:
            continue
        argv = process.command
        if argv[0] in ("sh", "/bin/sh"):
            continue  # the import job's script: test_import_job_... runs it
        if argv[:2] == ["python", "-m"]:
            check = image.run(
                ["python", "-c", f"import importlib.util as u; assert u.find_spec({argv[2]!r})"],
                process,
            )
        else:
            check = image.run([argv[0], "--help"], process)
        if check.returncode != 0:
            missing.append(f"{process.where} {process.name}: {argv}: {check.stderr[-300:]}")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("where", ["compose", "k8s"])
@pytest.mark.parametrize("name", ["ingest", "search"])
def test_reference_data_dir_is_set_and_holds_the_data(
    name: str, where: str, tmp_path: Path
) -> None:
    service = next(s for s in SERVICES if s.name == name)
    image = image_of(service, tmp_path)
    processes = [
        p
        for p in (compose_processes() if where == "compose" else k8s_processes())
        if p.service == name
    ]
    assert processes
    for process in processes:
        assert process.env.get("REFERENCE_DATA_DIR") == "/app/data", process.name
    reference = Path(image.host("/app/data"))
    for file in DATA_FILES_SEARCH_READS:
        assert (reference / file).is_file()


def _import_jobs(where: str) -> list[Process]:
    processes = compose_processes() if where == "compose" else k8s_processes()
    if where == "compose":
        return [p for p in processes if p.name == "ingest-import"]
    return [p for p in processes if p.name.startswith("ingest-import/")]


@pytest.mark.slow
@pytest.mark.parametrize("where", ["compose", "k8s"])
def test_import_job_loads_the_shipped_register_and_statistics(where: str, tmp_path: Path) -> None:
    """The documented one-shot job runs on the ingest image's files and leaves
    the whole register and the statistics imported, with their events in the
    outbox; run again, it changes nothing."""
    from ingest.adapters.orm import institutions, kit_tables, statistics_figures

    service = next(s for s in SERVICES if s.name == "ingest")
    image = image_of(service, tmp_path)
    steps = _import_jobs(where)
    assert steps, f"{where}: no ingest-import job"
    if not any(p.command and "migrate" in " ".join(p.command) for p in steps):
        migrated = image.run(["python", "-m", "ingest.entrypoints.migrate"], steps[0])
        assert migrated.returncode == 0, migrated.stderr
    database = image.scratch / "data" / "ingest.sqlite3"

    def counts() -> tuple[int, int, int]:
        with sqlite3.connect(database) as conn:
            return tuple(  # type: ignore[return-value]
                int(conn.execute(f"SELECT count(*) FROM {table.name}").fetchone()[0])
                for table in (institutions, statistics_figures, kit_tables.outbox)
            )

    seen = []
    for _run in range(2):
        for step in steps:
            assert step.command, f"{step.name}: the job must say what it runs"
            done = image.run(step.command, step, timeout=300)
            assert done.returncode == 0, f"{step.name}: {done.stdout}\n{done.stderr}"
        seen.append(counts())
    with REGISTER.open(encoding="utf-8") as fh:
        units = sum(1 for _ in fh) - 1
    register, figures, events = seen[0]
    assert register == units
    assert figures > 0
    assert events > units  # one per institution, and the municipalities' statistics
    assert seen[1] == seen[0]
