"""The processes an institution's edit travels through, started for real on
the local PostgreSQL, Kafka and Redis:

    PATCH /v1/institutions/{nr}/profile  (profiles under gunicorn)
      -> profiles' database: profile, history row, outbox row in one transaction
      -> profiles' relay -> profiles.profiles.v1
      -> search's consumer -> search's read model
      -> GET /v1/institutions/{nr} and GET /v1/search  (search under gunicorn)

beside profiles' own consumer of the register's events, through which both
services learn the institutions a test registers.

Each run has fresh databases, a Redis database of its own (emptied before and
after), consumer groups of its own and institution numbers nobody else uses.
profiles' relay publishes to the real ``profiles.profiles.v1`` (the topic is
named in its outbox rows), which search's consumer reads from where it ended
when the run began, so a run reads only its own subjects there. The register's
events (``ingest.institutions.v1`` payloads, as ingest publishes them) go to a
topic of the run's own instead of the real one, so no other consumer of the
register (auth's, another read model) sees the test's institutions; the
topics and groups are deleted at the end. Access tokens come from a
``TokenMint`` whose JWK Set a small HTTP server in this process publishes;
profiles fetches it from there as it would from auth.

Every process runs in a session of its own, so a test can SIGKILL a
gunicorn master together with its workers; each one's output goes to a file
that a failing test shows.

The consumer entrypoints of the services name their group and topics in
code (no setting changes them), so this module also starts a service's
consumer with others: ``python -m tests.system.harness consumer
profiles|search|auth GROUP TOPIC...`` runs ``dagkit.runtime.run_consumer`` with
the service's settings and its own ``consumer_spec`` given that group and
those topics: the same loop, handlers, settings, health endpoints and signal
handling as ``python -m <service>.entrypoints.consumer``.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import select
import signal
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import redis
from kafka import KafkaConsumer
from kafka.structs import OffsetAndMetadata, TopicPartition
from sqlalchemy import Engine

from dagkit.db import make_engine
from dagkit.envelope import Envelope
from dagkit.kafka import AdminClient, dead_letter_topic, ensure_topics
from dagkit.migrations import upgrade
from dagkit.testing.events import publish
from dagkit.testing.fixtures import temporary_database
from dagkit.testing.infra import redis_database
from dagkit.testing.procs import wait_for
from dagkit.testing.tokens import JwksServer, TokenMint
from dagtilbud_contracts import institution, profile
from dagtilbud_contracts.registry import topic_for
from search.testing.events import institution_event
from tests.tools.services import ROOT

PROFILES_ROOT = ROOT / "services" / "profiles"
SEARCH_ROOT = ROOT / "services" / "search"
REGISTER_TOPIC = topic_for(institution.REGISTERED)
PROFILE_TOPIC = topic_for(profile.UPDATED)
# Redis databases: the services' tests use 1, the bench 2, the browser tests 3
# and 4; the system tests 5 and the profile-edit bench 6; the whole portal's
# browser journeys 7 and its edit bench 8 (tests/system/portal.py).
SYSTEM_TESTS_REDIS_DB = 5
# Where the institutions a run registers lie, a few hundred metres apart: on
# Bornholm, 4.7 km from the nearest unit of the shipped register (which other
# runs may publish meanwhile); the tests ask only about their own numbers.
HOME = (55.1105, 14.9102)
SEARCH_RADIUS_KM = 3
# gunicorn's options for the HTTP apps as the Procfile and the images run them.
PROCFILE_GUNICORN = ("--workers", "2")
START_TIMEOUT = 45.0


# ------------------------------------------------------------------ HTTP
@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")


class Client:
    """A keep-alive HTTP/1.1 client of one server, one connection per thread
    (a server that closes the connection gets a new one on the next request)."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.timeout = timeout
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self._local.conn = conn
        elif conn.sock is not None and select.select([conn.sock], [], [], 0)[0]:
            # An idle connection that is readable was closed by the server (its
            # keep-alive ran out, or it was stopped): open a new one.
            conn.close()
        return conn

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        """Raises OSError (or http.client's errors) when the server does not answer."""
        sent = dict(headers or {})
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent["Content-Type"] = "application/json"
        conn = self._connection()
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
        except BaseException:
            self.close()
            raise
        if response.will_close:
            conn.close()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data)

    def get(self, path: str, **params: Any) -> Answer:
        query = f"?{urlencode(params, doseq=True)}" if params else ""
        return self.request("GET", path + query)

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def answers(url: str) -> bool:
    """Whether GET ``url`` answers 200."""
    client = Client(url, timeout=2)
    try:
        return client.request("GET", urlsplit(url).path).status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        client.close()


# ------------------------------------------------------------- processes
class Service:
    """One process of the system (a gunicorn master and its workers, a relay,
    a consumer), in a session of its own; ready when ``ready_url`` answers 200.
    Its output, over every start, is appended to one file."""

    def __init__(
        self, name: str, argv: Sequence[str], env: Mapping[str, str], ready_url: str
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **env}
        self.ready_url = ready_url
        self.log_path = Path(
            tempfile.NamedTemporaryFile(  # noqa: SIM115 - only its name is kept
                prefix=f"system-{name}-", suffix=".log", delete=False
            ).name
        )
        self.popen: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        with self.log_path.open("a") as log:
            log.write(f"--- start {self.starts}: {' '.join(self.argv)}\n")
            log.flush()
            self.popen = subprocess.Popen(
                self.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=ROOT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        try:
            wait_for(
                lambda: not self.alive() or answers(self.ready_url),
                timeout=timeout,
                what=f"{self.name} to be ready",
            )
        except AssertionError:
            raise RuntimeError(f"{self.name} is not ready:\n{self.output()}") from None
        if not self.alive():
            raise RuntimeError(f"{self.name} exited:\n{self.output()}")

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def _signal_group(self, signum: int) -> None:
        if self.popen is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signum)

    def kill(self) -> None:
        """SIGKILL to every process of its session at once (no clean-up runs)."""
        self._signal_group(signal.SIGKILL)
        if self.popen is not None:
            self.popen.wait(15)

    def terminate(self) -> None:
        """SIGTERM (a clean stop), without waiting for it."""
        if self.popen is not None and self.popen.poll() is None:
            self._signal_group(signal.SIGTERM)

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM (a clean stop); SIGKILL if it has not ended within ``timeout``."""
        if self.popen is None:
            return
        if self.popen.poll() is None:
            self.terminate()
            with suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout)
        # Workers a master left behind go too.
        self._signal_group(signal.SIGKILL)
        if self.popen.poll() is None:
            self.popen.wait(15)

    def pause(self) -> None:
        """SIGSTOP: the process keeps its connections but does nothing."""
        self._signal_group(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal_group(signal.SIGCONT)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) its running processes have used so far
        (Linux: every process of its session)."""
        if self.popen is None:
            return 0.0
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            # After the command: state, ppid, pgrp, session, ..., utime, stime.
            if int(fields[3]) == self.popen.pid:
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def remove_log(self) -> None:
        self.log_path.unlink(missing_ok=True)


def gunicorn(
    name: str, app: str, port: int, env: Mapping[str, str], options: Sequence[str], ready: str
) -> Service:
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        *options,
        app,
    ]
    return Service(name, argv, env, f"http://127.0.0.1:{port}{ready}")


def worker(name: str, argv: Sequence[str], env: Mapping[str, str]) -> Service:
    """A relay or consumer; ready when its /readyz (on METRICS_PORT) says so."""
    port = free_port()
    return Service(
        name,
        [sys.executable, *argv],
        {**env, "METRICS_PORT": str(port)},
        f"http://127.0.0.1:{port}/readyz",
    )


# ----------------------------------------------------------------- Kafka
def start_group_at_end(bootstrap: str, group: str, topics: Sequence[str]) -> None:
    """Commit ``group``'s offsets at the topics' current ends, so a consumer of
    that new group reads only what is published from now on."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap.split(","), group_id=group, enable_auto_commit=False
    )
    try:
        partitions = _partitions(consumer, topics)
        ends = consumer.end_offsets(partitions)
        consumer.commit({tp: OffsetAndMetadata(offset, "", -1) for tp, offset in ends.items()})
    finally:
        consumer.close(autocommit=False)


def forget(bootstrap: str, groups: Sequence[str], topics: Sequence[str]) -> None:
    """Delete a run's consumer groups and topics (what cannot be deleted now
    expires with the broker's retention)."""
    admin = AdminClient(bootstrap_servers=bootstrap.split(","), client_id="system-tests")
    try:
        with suppress(Exception):
            admin.delete_groups(list(groups))
        with suppress(Exception):
            admin.delete_topics(list(topics))
    finally:
        admin.close()


def _partitions(consumer: KafkaConsumer, topics: Sequence[str]) -> list[TopicPartition]:
    found: list[TopicPartition] = []
    for topic in topics:
        deadline = time.monotonic() + 15
        numbers = consumer.partitions_for_topic(topic)
        while not numbers and time.monotonic() < deadline:
            time.sleep(0.1)
            numbers = consumer.partitions_for_topic(topic)
        if not numbers:
            raise RuntimeError(f"topic {topic} has no partitions")
        found.extend(TopicPartition(topic, p) for p in sorted(numbers))
    return found


@dataclass(frozen=True)
class Record:
    partition: int
    offset: int
    key: str | None
    event: dict[str, Any]  # the decoded CloudEvent
    timestamp_ms: int  # when the producer (profiles' relay) sent it

    @property
    def subject(self) -> str:
        return str(self.event["subject"])

    @property
    def version(self) -> int:
        return int(self.event["aggregateversion"])


class TopicTail:
    """Everything published on ``topic`` since this was made, read without a
    consumer group (nothing is committed anywhere)."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.topic = topic
        self.consumer = KafkaConsumer(
            bootstrap_servers=bootstrap.split(","),
            enable_auto_commit=False,
            fetch_max_wait_ms=100,
        )
        partitions = _partitions(self.consumer, [topic])
        self.consumer.assign(partitions)
        for tp, offset in self.consumer.end_offsets(partitions).items():
            self.consumer.seek(tp, offset)
        self.records: list[Record] = []
        self._lock = threading.Lock()

    def read(
        self, until: Callable[[list[Record]], bool] = lambda _r: False, timeout: float = 1.0
    ) -> list[Record]:
        """Read on until ``until(records so far)`` or ``timeout``; the records, in
        the order read (per partition, offset order)."""
        with self._lock:
            deadline = time.monotonic() + timeout
            while not until(self.records) and time.monotonic() < deadline:
                for batch in self.consumer.poll(timeout_ms=100).values():
                    for r in batch:
                        key = r.key.decode() if r.key is not None else None
                        self.records.append(
                            Record(r.partition, r.offset, key, json.loads(r.value), r.timestamp)
                        )
            return list(self.records)

    def close(self) -> None:
        self.consumer.close(autocommit=False)


# ---------------------------------------------------------------- system
def new_numbers(count: int) -> list[str]:
    """Institution numbers no other run uses (the register's are a letter and
    five digits; these are a Q and five letters or digits, random per run)."""
    alphabet = string.ascii_uppercase + string.digits
    numbers: set[str] = set()
    while len(numbers) < count:
        numbers.add("Q" + "".join(secrets.choice(alphabet) for _ in range(5)))
    return sorted(numbers)


def account_id(number: str) -> str:
    """The account of an institution, as auth would name it (a UUID)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"dagtilbud:institution:{number}"))


@dataclass
class Registered:
    number: str
    municipality_code: int
    lat: float
    lon: float


@dataclass
class System:
    """The running system of one test module or bench run (``start_system``)."""

    bootstrap: str
    mint: TokenMint
    profiles_database: str
    search_database: str
    search_redis: str
    services: dict[str, Service]
    profiles: Client
    search: Client
    profile_topic: TopicTail
    register_topic: str  # the run's own topic of register events
    run_id: str
    registered: dict[str, Registered] = field(default_factory=dict)
    _engines: dict[str, Engine] = field(default_factory=dict)

    # -- processes
    def logs(self) -> dict[str, str]:
        return {name: service.output() for name, service in self.services.items()}

    def restart(self, name: str) -> None:
        service = self.services[name]
        if service.alive():
            service.stop()
        service.start()
        service.wait_ready()

    def engine(self, which: str) -> Engine:
        """An engine on profiles' or search's database (``profiles``, ``search``)."""
        if which not in self._engines:
            url = self.profiles_database if which == "profiles" else self.search_database
            self._engines[which] = make_engine(url)
        return self._engines[which]

    # -- the register
    def register(
        self,
        count: int,
        *,
        municipality_code: int = 400,
        kind: str = "aldersintegreret",
        timeout: float = 30.0,
    ) -> list[str]:
        """``count`` new institutions, each a few hundred metres apart around
        HOME, their register events published as ingest would (on the run's
        register topic); returns when both profiles and search know them."""
        numbers = new_numbers(count)
        base = len(self.registered)
        events: list[Envelope] = []
        for i, number in enumerate(numbers):
            lat = HOME[0] + 0.002 * ((base + i) % 10)
            lon = HOME[1] + 0.003 * ((base + i) // 10)
            self.registered[number] = Registered(number, municipality_code, lat, lon)
            events.append(
                institution_event(
                    number,
                    name=f"Systemtest {number}",
                    kind=kind,
                    municipality_code=municipality_code,
                    address={"street": "Storegade 1", "postcode": "3700", "city": "Rønne"},
                    location={"lat": lat, "lon": lon},
                    accepts_0_2=kind in ("vuggestue", "aldersintegreret", "dagpleje"),
                    accepts_3_5=kind in ("boernehave", "aldersintegreret"),
                )
            )
        publish(self.bootstrap, self.register_topic, events)
        pending = set(numbers)

        def known() -> bool:
            for number in list(pending):
                if (
                    self.profiles.get(f"/v1/institutions/{number}/profile").status == 200
                    and self.search.get(f"/v1/institutions/{number}").status == 200
                ):
                    pending.discard(number)
            return not pending

        try:
            wait_for(known, timeout=timeout, what="profiles and search to know the institutions")
        except AssertionError:
            raise AssertionError(
                f"not registered within {timeout:.0f} s: {sorted(pending)}"
            ) from None
        return numbers

    # -- editing
    def token(self, number: str, **claims: Any) -> str:
        """An access token of ``number``'s own account, as auth would issue it."""
        registered = self.registered[number]
        return self.mint.access_token(
            sub=account_id(number),
            role="institution",
            institution=number,
            municipality=registered.municipality_code,
            **claims,
        )

    def edit_headers(self, number: str, etag: str, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token(number)}", "If-Match": etag}

    def read_profile(self, number: str) -> Answer:
        return self.profiles.get(f"/v1/institutions/{number}/profile")

    def patch_profile(
        self, number: str, changes: Mapping[str, Any], etag: str, token: str | None = None
    ) -> Answer:
        return self.profiles.request(
            "PATCH",
            f"/v1/institutions/{number}/profile",
            json_body=dict(changes),
            headers=self.edit_headers(number, etag, token),
        )

    # -- search
    def search_document(self, number: str) -> dict[str, Any] | None:
        answer = self.search.get(f"/v1/institutions/{number}")
        return answer.json() if answer.status == 200 else None

    def search_near(self, number: str, **filters: Any) -> list[str]:
        """The numbers /v1/search finds around ``number`` with ``filters``."""
        where = self.registered[number]
        answer = self.search.get(
            "/v1/search",
            lat=where.lat,
            lon=where.lon,
            radius_km=SEARCH_RADIUS_KM,
            limit=100,
            **filters,
        )
        assert answer.status == 200, answer.body[:500]
        return [hit["institution_number"] for hit in answer.json()["hits"]]

    def close(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()
        self.profiles.close()
        self.search.close()


@contextmanager
def start_system(
    postgres_url: str,
    bootstrap: str,
    redis_url: str,
    *,
    redis_db: int = SYSTEM_TESTS_REDIS_DB,
    profiles_gunicorn: Sequence[str] = PROCFILE_GUNICORN,
    search_gunicorn: Sequence[str] = PROCFILE_GUNICORN,
    log_level: str = "WARNING",
) -> Iterator[System]:
    """Starts the system; on leaving stops every process (removing their
    output files), drops the databases, empties the Redis database and
    deletes the run's topics and consumer groups."""
    run_id = uuid.uuid4().hex[:8]
    with ExitStack() as stack:
        profiles_database = stack.enter_context(temporary_database(postgres_url, "system"))
        search_database = stack.enter_context(temporary_database(postgres_url, "system"))
        upgrade(PROFILES_ROOT, profiles_database)
        upgrade(SEARCH_ROOT, search_database)
        search_redis = redis_database(redis_url, redis_db)
        redis_client = redis.Redis.from_url(search_redis)
        redis_client.flushdb()
        stack.callback(redis_client.close)
        stack.callback(redis_client.flushdb)
        data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="system-"))

        mint = TokenMint()
        jwks = JwksServer(mint)
        stack.callback(jwks.stop)

        register_topic = f"system.{run_id}.{REGISTER_TOPIC}"
        profiles_topics = [register_topic]
        search_topics = [register_topic, PROFILE_TOPIC]
        groups = [f"system.{run_id}.profiles", f"system.{run_id}.search"]
        own_topics = [register_topic, dead_letter_topic(register_topic)]
        ensure_topics(bootstrap, [PROFILE_TOPIC, dead_letter_topic(PROFILE_TOPIC), *own_topics])
        # Last out: after every process has left its group.
        stack.callback(forget, bootstrap, groups, own_topics)
        start_group_at_end(bootstrap, groups[1], search_topics)
        profile_topic = TopicTail(bootstrap, PROFILE_TOPIC)
        stack.callback(profile_topic.close)

        common = {
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "LOG_LEVEL": log_level,
            "DATA_DIR": data_dir,
        }
        profiles_env = {
            **common,
            "DATABASE_URL": profiles_database,
            "AUTH_JWKS_URL": jwks.url,
            "AUTH_ISSUER": mint.issuer,
            "AUTH_AUDIENCE": mint.audience,
        }
        search_env = {
            **common,
            "DATABASE_URL": search_database,
            "REDIS_URL": search_redis,
            "SEARCH_CURSOR_SECRET": secrets.token_hex(32),
        }
        profiles_port, search_port = free_port(), free_port()
        harness = "tests.system.harness"
        services = {
            "profiles-http": gunicorn(
                "profiles-http",
                "profiles.entrypoints.wsgi:app",
                profiles_port,
                profiles_env,
                profiles_gunicorn,
                "/healthz",
            ),
            "profiles-relay": worker(
                "profiles-relay", ["-m", "profiles.entrypoints.relay"], profiles_env
            ),
            "profiles-consumer": worker(
                "profiles-consumer",
                ["-m", harness, "consumer", "profiles", groups[0], *profiles_topics],
                profiles_env,
            ),
            "search-consumer": worker(
                "search-consumer",
                ["-m", harness, "consumer", "search", groups[1], *search_topics],
                search_env,
            ),
            "search-http": gunicorn(
                "search-http",
                "search.entrypoints.wsgi:app",
                search_port,
                search_env,
                search_gunicorn,
                "/healthz",
            ),
        }

        def stop_all() -> None:
            for service in services.values():
                service.terminate()
            for service in services.values():
                service.stop()
                service.remove_log()

        stack.callback(stop_all)
        for service in services.values():
            service.start()
        for service in services.values():
            service.wait_ready()

        system = System(
            bootstrap=bootstrap,
            mint=mint,
            profiles_database=profiles_database,
            search_database=search_database,
            search_redis=search_redis,
            services=services,
            profiles=Client(f"http://127.0.0.1:{profiles_port}"),
            search=Client(f"http://127.0.0.1:{search_port}"),
            profile_topic=profile_topic,
            register_topic=register_topic,
            run_id=run_id,
        )
        stack.callback(system.close)
        yield system


# ------------------------------- a consumer under another group and topics
def run_service_consumer(service: str, group: str, topics: Sequence[str]) -> None:
    """``python -m <service>.entrypoints.consumer``, as consumer group
    ``group`` of ``topics``."""
    from dagkit.runtime import run_consumer

    if service == "profiles":
        from profiles.config import SERVICE as PROFILES
        from profiles.config import load_settings as profiles_settings
        from profiles.service_layer.handlers import consumer_spec as profiles_spec

        run_consumer(PROFILES, profiles_settings(), profiles_spec(topics, group))
    elif service == "search":
        from search.config import SERVICE as SEARCH
        from search.config import load_settings as search_settings
        from search.service_layer.rebuild import consumer_spec as search_spec

        run_consumer(SEARCH, search_settings(), search_spec(topics, group))
    elif service == "auth":
        from auth.config import SERVICE as AUTH
        from auth.config import load_settings as auth_settings
        from auth.service_layer.handlers import consumer_spec as auth_spec

        run_consumer(AUTH, auth_settings(), auth_spec(topics, group))
    else:
        raise SystemExit(f"no consumer of {service!r}")


def main(argv: Sequence[str]) -> None:
    if len(argv) < 4 or argv[0] != "consumer":
        raise SystemExit(
            "usage: python -m tests.system.harness consumer profiles|search|auth GROUP TOPIC..."
        )
    run_service_consumer(argv[1], argv[2], argv[3:])


if __name__ == "__main__":
    main(sys.argv[1:])
