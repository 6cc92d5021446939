"""The whole portal as processes on the local PostgreSQL, Kafka and Redis,
for the journeys through the pages behind login
(tests/system/test_browser_journeys.py) and the edit bench
(tests/bench/web_edits.py):

    ingest (gunicorn) + its relay + its worker (runs the uploads)
    auth (gunicorn) + its relay + its accounts consumer
    profiles (gunicorn) + its relay + its register consumer
    search (gunicorn) + its read-model consumer
    web (gunicorn), asking the four

Each service has a fresh database, brought to its newest migration as its
``migrate`` entrypoint does it (for auth also the first admin, from
BOOTSTRAP_ADMIN_PASSWORD). All share one Redis database of the run's own,
emptied before and after: their keys have prefixes of their own (``auth:``,
``search:``, ``web:``).

The register and the statistics go in as in production: ``ingest import``
of a register file and of the shipped statistics, published by ingest's
relay on the real topics, where auth, profiles and search read them as
consumer groups of the run's own that start at the topics' end (so a run
reads only what is published from its start; see tests/system/harness.py
for why a consumer can run under another group). The register file is the
shipped one (4,611 units) plus a few units of the run's own in Aarhus
(numbers Q and five letters or digits, random per run): the journeys issue
letters and edit profiles only for those, never for a real unit other
readers of the topics know. On leaving, the shipped register and statistics
are imported again: that closes the run's units and puts back any figure a
test changed, for every other reader of the topics too.

Logins: the first admin, a municipality user of Aarhus (751) and a
Danmarks Statistik user, both made by the admin through auth's
``POST /v1/users``. Every process's output goes to a file that a failing
test shows (``Portal.logs``).
"""

from __future__ import annotations

import csv
import io
import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import Engine, text

from auth.config import load_settings as auth_settings
from auth.entrypoints.migrate import make_first_admin
from dagkit.db import make_engine
from dagkit.kafka import dead_letter_topic, ensure_topics
from dagkit.migrations import upgrade
from dagkit.testing.fixtures import temporary_database
from dagkit.testing.infra import redis_database
from dagkit.testing.procs import wait_for
from dagtilbud_contracts.registry import topics_produced_by
from tests.system.harness import (
    PROCFILE_GUNICORN,
    Client,
    Service,
    forget,
    free_port,
    gunicorn,
    new_numbers,
    start_group_at_end,
    worker,
)
from tests.tools.services import ROOT

DATA = ROOT / "data"
SHIPPED_REGISTER = DATA / "dagtilbud_enheder_dk.csv"
SHIPPED_STATISTICS = DATA / "dagtilbud_kommune_statistik_2017_2023.csv"
SHIPPED_UNITS = 4_611
MUNICIPALITIES = 98
# tests/system/harness.py lists which Redis database each run uses.
JOURNEYS_REDIS_DB = 7
BENCH_REDIS_DB = 8
MUNICIPALITY = 751  # Aarhus
# Where the run's own units are: beside a real Aarhus unit (Vuggestuen
# Læssøesgade, 8000 Aarhus C), each some twenty metres further north.
OWN_UNIT_ADDRESS = ("Læssøesgade 20", "8000", "Aarhus C")
OWN_UNIT_AT = (56.14673, 10.18898)
OWN_UNITS = 4
READY_TIMEOUT = 120.0
SEEDED_TIMEOUT = 120.0

# Each service's consumer: the topics it reads (its own consumer_spec's).
CONSUMED = {
    "auth": ("ingest.institutions.v1",),
    "profiles": ("ingest.institutions.v1",),
    "search": ("ingest.institutions.v1", "ingest.statistics.v1", "profiles.profiles.v1"),
}
SERVICES = ("ingest", "auth", "profiles", "search")


@dataclass(frozen=True)
class Login:
    username: str
    password: str

    def __repr__(self) -> str:
        return f"Login({self.username!r})"


@dataclass
class Portal:
    """The running portal of one test session or bench run (``start_portal``)."""

    run_id: str
    urls: dict[str, str]  # ingest, auth, profiles, search, web
    services: dict[str, Service]
    databases: dict[str, str]
    envs: dict[str, dict[str, str]]  # each service's environment
    admin: Login
    municipality: Login  # a municipality user of MUNICIPALITY
    dst: Login
    own_units: list[str]  # the run's units in MUNICIPALITY, aldersintegreret
    municipality_code: int = MUNICIPALITY
    # Seconds from the start to the end of each phase of starting.
    phases: dict[str, float] = field(default_factory=dict)
    _engines: dict[str, Engine] = field(default_factory=dict)
    _clients: dict[str, Client] = field(default_factory=dict)

    @property
    def web_url(self) -> str:
        return self.urls["web"]

    # -- processes
    def logs(self) -> dict[str, str]:
        return {name: service.output() for name, service in self.services.items()}

    def client(self, service: str) -> Client:
        if service not in self._clients:
            self._clients[service] = Client(self.urls[service])
        return self._clients[service]

    def engine(self, service: str) -> Engine:
        if service not in self._engines:
            self._engines[service] = make_engine(self.databases[service])
        return self._engines[service]

    def count(self, service: str, sql: str, **params: Any) -> int:
        with self.engine(service).connect() as conn:
            return int(conn.execute(text(sql), params).scalar_one())

    # -- auth
    def token(self, login: Login) -> str:
        """An access token of ``login``, from auth's POST /v1/token."""
        answer = self.client("auth").request(
            "POST", "/v1/token", json_body={"username": login.username, "password": login.password}
        )
        if answer.status != 200:
            raise RuntimeError(f"login of {login.username} refused: {answer.status}")
        return str(answer.json()["access_token"])

    def issue_letters(self, numbers: Sequence[str]) -> dict[str, str]:
        """New passwords of ``numbers`` (the municipality user's credential
        letters, through auth's API as a spreadsheet), by institution number."""
        answer = self.client("auth").request(
            "POST",
            "/v1/letters",
            json_body={"institutions": list(numbers)},
            headers={
                "Authorization": f"Bearer {self.token(self.municipality)}",
                "Accept": "text/csv",
            },
        )
        if answer.status != 200:
            raise RuntimeError(f"letters refused: {answer.status} {answer.body[:300]!r}")
        rows = csv.DictReader(io.StringIO(answer.body.decode("utf-8-sig")), delimiter=";")
        return {row["Institutionsnummer"]: row["Adgangskode"] for row in rows}

    def institution_login(self, number: str) -> Login:
        return Login(number, self.issue_letters([number])[number])

    # -- ingest
    def ingest_import(self, path: Path, *options: str) -> subprocess.CompletedProcess[str]:
        """``ingest import PATH`` on the portal's ingest database; the relay
        publishes what it accepted."""
        return ingest_import(self.envs["ingest"], path, *options)

    def unsent_events(self) -> int:
        """Events the services have written and their relays not yet published."""
        return sum(
            self.count(service, "SELECT count(*) FROM kit_outbox WHERE sent_at IS NULL")
            for service in ("ingest", "auth", "profiles")
        )

    def close(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()
        for client in self._clients.values():
            client.close()
        self._clients.clear()


# ------------------------------------------------------------------ start
def ingest_import(
    env: Mapping[str, str], path: Path, *options: str
) -> subprocess.CompletedProcess[str]:
    """``ingest import PATH`` (its CLI, which needs no token) with ``env``."""
    return subprocess.run(
        [sys.executable, "-m", "ingest.entrypoints.cli", "import", "--quiet", str(path), *options],
        env=dict(env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def register_with_own_units(folder: Path, numbers: Sequence[str]) -> Path:
    """The shipped register plus ``numbers`` as aldersintegrerede units in
    Aarhus, as a register file in ``folder``."""
    path = folder / "register.csv"
    shipped = SHIPPED_REGISTER.read_text(encoding="utf-8")
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(shipped if shipped.endswith("\n") else shipped + "\n")
        writer = csv.writer(out, lineterminator="\n")
        for i, number in enumerate(numbers):
            writer.writerow(
                [
                    number,
                    f"Browsertest {number}",
                    "aldersintegreret",
                    "kommunal",
                    MUNICIPALITY,
                    "Aarhus",
                    *OWN_UNIT_ADDRESS,
                    f"{OWN_UNIT_AT[0] + 0.0002 * i:.5f}",
                    f"{OWN_UNIT_AT[1]:.5f}",
                    "vuggestue+boernehave",
                ]
            )
    return path


def _migrate(service: str, env: Mapping[str, str]) -> None:
    """What ``python -m <service>.entrypoints.migrate`` does, in this process
    (a process each would import their stacks once more): the newest
    migration, and for auth the first admin from BOOTSTRAP_ADMIN_PASSWORD."""
    upgrade(ROOT / "services" / service, env["DATABASE_URL"])
    if service == "auth" and make_first_admin(auth_settings(env), out=io.StringIO()) != 0:
        raise RuntimeError("auth refused BOOTSTRAP_ADMIN_PASSWORD")


def _seed_ingest(env: Mapping[str, str], paths: Sequence[Path]) -> None:
    for path in paths:
        done = ingest_import(env, path)
        if done.returncode != 0:
            raise RuntimeError(f"import of {path.name} failed:\n{done.stdout}\n{done.stderr}")


def _consumer(service: str, group: str, env: Mapping[str, str]) -> Service:
    argv = ["-m", "tests.system.harness", "consumer", service, group, *CONSUMED[service]]
    return worker(f"{service}-consumer", argv, env)


def _make_user(auth: Client, admin_token: str, body: Mapping[str, Any]) -> Login:
    answer = auth.request(
        "POST",
        "/v1/users",
        json_body=dict(body),
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    if answer.status != 201:
        raise RuntimeError(f"user {body['username']} refused: {answer.status} {answer.body!r}")
    return Login(str(body["username"]), str(answer.json()["password"]))


def _wait_seeded(portal: Portal, own_units: int, timeout: float) -> None:
    """Until auth, profiles and search know every unit, and search every
    municipality's statistics."""
    units = SHIPPED_UNITS + own_units
    checks = {
        "auth's institution accounts": lambda: (
            portal.count("auth", "SELECT count(*) FROM accounts WHERE role = 'institution'")
            >= units
        ),
        "profiles' institutions": lambda: (
            portal.count("profiles", "SELECT count(*) FROM institutions") >= units
        ),
        "search's institutions": lambda: (
            portal.count("search", "SELECT count(*) FROM institutions") >= units
        ),
        "search's statistics": lambda: (
            portal.count("search", "SELECT count(*) FROM municipality_statistics") >= MUNICIPALITIES
        ),
    }
    deadline = time.monotonic() + timeout
    for what, check in checks.items():
        wait_for(check, timeout=max(1.0, deadline - time.monotonic()), what=what)


def _put_back(portal: Portal) -> None:
    """The shipped register and statistics again (closing the run's units,
    putting back changed figures), published before the relays stop."""
    for path in (SHIPPED_REGISTER, SHIPPED_STATISTICS):
        done = portal.ingest_import(path)
        if done.returncode != 0:
            print(f"putting back {path.name} failed:\n{done.stdout}\n{done.stderr}")
    try:
        wait_for(lambda: portal.unsent_events() == 0, timeout=30, what="the relays to publish")
    except AssertionError as exc:
        print(f"putting back the shipped data: {exc}")


@contextmanager
def start_portal(
    postgres_url: str,
    bootstrap: str,
    redis_url: str,
    *,
    redis_db: int = JOURNEYS_REDIS_DB,
    own_units: int = OWN_UNITS,
    gunicorn_options: Sequence[str] = PROCFILE_GUNICORN,
    log_level: str = "WARNING",
) -> Iterator[Portal]:
    """Starts the portal and seeds it; on leaving puts the shipped data back
    on the topics, stops every process (removing their output files), drops
    the databases, empties the Redis database and deletes the run's
    consumer groups."""
    run_id = uuid.uuid4().hex[:8]
    began = time.monotonic()
    phases: dict[str, float] = {}
    with ExitStack() as stack:
        databases = {
            service: stack.enter_context(temporary_database(postgres_url, f"portal_{service}"))
            for service in SERVICES
        }
        own_redis = redis_database(redis_url, redis_db)
        redis_client = redis.Redis.from_url(own_redis)
        redis_client.flushdb()
        stack.callback(redis_client.close)
        stack.callback(redis_client.flushdb)
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="portal-")))

        ports = {name: free_port() for name in (*SERVICES, "web")}
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        admin = Login("admin", secrets.token_urlsafe(24))
        common = {
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "REDIS_URL": own_redis,
            "LOG_LEVEL": log_level,
            # auth's keys, as every verifier in the portal finds them.
            "AUTH_JWKS_URL": f"{urls['auth']}/.well-known/jwks.json",
            "AUTH_ISSUER": urls["auth"],
        }
        envs: dict[str, dict[str, str]] = {}
        for service in SERVICES:
            data_dir = folder / service
            data_dir.mkdir()
            envs[service] = {
                **os.environ,
                **common,
                "DATABASE_URL": databases[service],
                "DATA_DIR": str(data_dir),
            }
        envs["auth"]["BOOTSTRAP_ADMIN_PASSWORD"] = admin.password
        # The letters name the portal's own login page.
        envs["auth"]["AUTH_LOGIN_URL"] = f"{urls['web']}/log-ind"
        envs["search"]["SEARCH_CURSOR_SECRET"] = secrets.token_hex(32)
        (folder / "web").mkdir()
        envs["web"] = {
            **os.environ,
            **common,
            "DATABASE_URL": "",  # the web service has no database
            "DATA_DIR": str(folder / "web"),
            "AUTH_URL": urls["auth"],
            "PROFILES_URL": urls["profiles"],
            "INGEST_URL": urls["ingest"],
            "SEARCH_URL": urls["search"],
            "WEB_SECRET_KEY": secrets.token_urlsafe(48),
            # WEB_SESSION_COOKIE_SECURE stays true (the production cookie,
            # __Host- and Secure): Chromium counts http://127.0.0.1 as a
            # secure origin and keeps and sends such a cookie.
        }
        for service in SERVICES:
            _migrate(service, envs[service])
        phases["databases"] = time.monotonic() - began

        groups = {service: f"portal.{run_id}.{service}" for service in CONSUMED}
        produced = {t for s in ("ingest", "auth", "profiles") for t in topics_produced_by(s)}
        consumed = {t for topics in CONSUMED.values() for t in topics}
        ensure_topics(
            bootstrap, sorted(produced | consumed | {dead_letter_topic(t) for t in consumed})
        )
        # Last out: after every process has left its group.
        stack.callback(forget, bootstrap, list(groups.values()), [])
        for service, group in groups.items():
            start_group_at_end(bootstrap, group, CONSUMED[service])

        options = tuple(gunicorn_options)
        services = {
            "ingest-http": gunicorn(
                "ingest-http",
                "ingest.entrypoints.wsgi:app",
                ports["ingest"],
                envs["ingest"],
                options,
                "/healthz",
            ),
            "ingest-relay": worker(
                "ingest-relay", ["-m", "ingest.entrypoints.relay"], envs["ingest"]
            ),
            "ingest-worker": worker(
                "ingest-worker", ["-m", "ingest.entrypoints.worker"], envs["ingest"]
            ),
            "auth-http": gunicorn(
                "auth-http",
                "auth.entrypoints.wsgi:app",
                ports["auth"],
                envs["auth"],
                options,
                "/healthz",
            ),
            "auth-relay": worker("auth-relay", ["-m", "auth.entrypoints.relay"], envs["auth"]),
            "auth-consumer": _consumer("auth", groups["auth"], envs["auth"]),
            "profiles-http": gunicorn(
                "profiles-http",
                "profiles.entrypoints.wsgi:app",
                ports["profiles"],
                envs["profiles"],
                options,
                "/healthz",
            ),
            "profiles-relay": worker(
                "profiles-relay", ["-m", "profiles.entrypoints.relay"], envs["profiles"]
            ),
            "profiles-consumer": _consumer("profiles", groups["profiles"], envs["profiles"]),
            "search-consumer": _consumer("search", groups["search"], envs["search"]),
            "search-http": gunicorn(
                "search-http",
                "search.entrypoints.wsgi:app",
                ports["search"],
                envs["search"],
                options,
                "/healthz",
            ),
            "web-http": gunicorn(
                "web-http",
                "web.entrypoints.wsgi:app",
                ports["web"],
                envs["web"],
                options,
                "/healthz",
            ),
        }

        def stop_all() -> None:
            for process in services.values():
                process.terminate()
            for process in services.values():
                process.stop()
                process.remove_log()

        stack.callback(stop_all)
        numbers = new_numbers(own_units)
        register = register_with_own_units(folder, numbers)
        with ThreadPoolExecutor(1) as pool:
            # Into ingest's database while the processes start; its relay
            # publishes once it runs, to groups already at the topics' end.
            imported = pool.submit(_seed_ingest, envs["ingest"], [register, SHIPPED_STATISTICS])
            for process in services.values():
                process.start()
            for process in services.values():
                process.wait_ready(READY_TIMEOUT)
            imported.result()
        phases["processes"] = time.monotonic() - began

        auth = Client(urls["auth"])
        try:
            admin_answer = auth.request(
                "POST",
                "/v1/token",
                json_body={"username": admin.username, "password": admin.password},
            )
            if admin_answer.status != 200:
                raise RuntimeError(f"the first admin cannot log in: {admin_answer.status}")
            admin_token = str(admin_answer.json()["access_token"])
            municipality = _make_user(
                auth,
                admin_token,
                {
                    "username": f"kommune{MUNICIPALITY}",
                    "role": "municipality",
                    "municipality_code": MUNICIPALITY,
                    "display_name": "Aarhus Kommune, Børn og Unge",
                },
            )
            dst = _make_user(
                auth,
                admin_token,
                {"username": "dst-statistik", "role": "dst", "display_name": "Danmarks Statistik"},
            )
        finally:
            auth.close()

        portal = Portal(
            run_id=run_id,
            urls=urls,
            services=services,
            databases=databases,
            envs=envs,
            admin=admin,
            municipality=municipality,
            dst=dst,
            own_units=numbers,
            phases=phases,
        )
        stack.callback(portal.close)
        # Before the processes stop (callbacks run last in, first out).
        stack.callback(_put_back, portal)
        _wait_seeded(portal, own_units, SEEDED_TIMEOUT)
        phases["seeded"] = time.monotonic() - began
        yield portal
