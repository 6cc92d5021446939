"""What may import what inside a service (docs/DESIGN.md, "Shape of a service"),
checked with import-linter for every package under services/*/src/.

The contracts are generated from the layer packages each service has, so a new
service is held to the rules without this file changing. The kit and the
contracts are root packages too: an import that reaches Flask or SQLAlchemy
through them counts.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.tools.services import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
SHARED_PACKAGES = ("dagkit", "dagtilbud_contracts")
# Third-party packages that do I/O or belong to a framework.
INFRASTRUCTURE = ("flask", "flask_smorest", "sqlalchemy", "redis", "kafka", "psycopg", "alembic")


@dataclass(frozen=True)
class Contract:
    id: str
    name: str
    source: str
    forbidden: tuple[str, ...]
    direct_only: bool = False


def discover(services_dir: Path) -> dict[str, Path]:
    """Each service's importable package: services/<dir>/src/<name>/."""
    return {
        init.parent.name: init.parent for init in sorted(services_dir.glob("*/src/*/__init__.py"))
    }


def _present(package: str, package_dir: Path, names: tuple[str, ...]) -> tuple[str, ...]:
    # import-linter refuses a contract naming an internal module that does not exist.
    return tuple(
        f"{package}.{name}"
        for name in names
        if (package_dir / name / "__init__.py").is_file() or (package_dir / f"{name}.py").is_file()
    )


def layer_contracts(package: str, package_dir: Path) -> list[Contract]:
    """The rules for one service's package; a layer it lacks gets no contract."""

    def present(*names: str) -> tuple[str, ...]:
        return _present(package, package_dir, names)

    contracts = []
    if present("domain"):
        outer = present("adapters", "api", "service_layer", "entrypoints", "app", "bootstrap")
        contracts.append(
            Contract(
                id=f"{package}-domain",
                name=f"{package}.domain imports no other layer and no infrastructure",
                source=f"{package}.domain",
                forbidden=(*outer, *INFRASTRUCTURE),
            )
        )
    if present("api") and present("adapters"):
        contracts.append(
            Contract(
                id=f"{package}-api",
                name=f"{package}.api reaches adapters only through the service layer",
                source=f"{package}.api",
                forbidden=present("adapters"),
                direct_only=True,
            )
        )
    if present("service_layer"):
        contracts.append(
            Contract(
                id=f"{package}-service-layer",
                name=f"{package}.service_layer imports neither the API, the entrypoints nor Flask",
                source=f"{package}.service_layer",
                forbidden=(*present("api", "entrypoints"), "flask", "flask_smorest"),
            )
        )
    return contracts


def render_config(root_packages: list[str], contracts: list[Contract]) -> str:
    lines = [
        "[importlinter]",
        "root_packages =",
        *(f"    {package}" for package in root_packages),
        "include_external_packages = True",
    ]
    for contract in contracts:
        lines += [
            "",
            f"[importlinter:contract:{contract.id}]",
            f"name = {contract.name}",
            "type = forbidden",
            "source_modules =",
            f"    {contract.source}",
            "forbidden_modules =",
            *(f"    {module}" for module in contract.forbidden),
        ]
        if contract.direct_only:
            lines.append("allow_indirect_imports = True")
    return "\n".join(lines) + "\n"


def lint_imports(
    work_dir: Path, root_packages: list[str], contracts: list[Contract], *import_path: Path
) -> subprocess.CompletedProcess[str]:
    config = work_dir / "importlinter.ini"
    config.write_text(render_config(root_packages, contracts))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, import_path))}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(config), "--no-cache", "--no-logo"],
        cwd=work_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


SERVICES = discover(ROOT / "services")


def test_every_service_is_found() -> None:
    assert {"ingest", "search", "auth", "profiles", "web"} <= set(SERVICES)


@pytest.mark.parametrize("package", sorted(SERVICES))
def test_layers_import_only_what_they_may(package: str, tmp_path: Path) -> None:
    contracts = layer_contracts(package, SERVICES[package])
    if not contracts:
        return  # no layer packages yet, nothing to hold apart
    result = lint_imports(tmp_path, [*sorted(SERVICES), *SHARED_PACKAGES], contracts)
    if result.returncode != 0:
        pytest.fail(result.stdout + result.stderr, pytrace=False)


def write_package(root: Path, files: dict[str, str]) -> None:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)


def test_broken_rules_are_reported(tmp_path: Path) -> None:
    write_package(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/domain/__init__.py": "",
            "shop/domain/model.py": "import sqlalchemy\n",
            "shop/domain/rules.py": "from kit import db\n",
            "shop/adapters.py": "",
            "shop/service_layer.py": "from shop import adapters\n",
            "shop/api/__init__.py": "",
            "shop/api/views.py": "from shop import adapters\n",
            "shop/api/pages.py": "from shop import service_layer\n",
            "kit/__init__.py": "",
            "kit/db.py": "import sqlalchemy\n",
        },
    )
    contracts = layer_contracts("shop", tmp_path / "shop")
    assert [c.id for c in contracts] == ["shop-domain", "shop-api", "shop-service-layer"]

    result = lint_imports(tmp_path, ["shop", "kit"], contracts, tmp_path)

    report = result.stdout + result.stderr
    assert result.returncode == 1, report
    assert "Contracts: 1 kept, 2 broken." in report
    assert "shop.domain.model -> sqlalchemy" in report
    # Through another root package (the kit, in the portal) counts too.
    assert "shop.domain.rules -> kit.db" in report
    assert "shop.api.views -> shop.adapters" in report
    # Through the service layer is the way an API view reaches the database.
    assert "shop.api.pages" not in report
