"""Search: a full rebuild of the read model from the topics, and GET
/v1/search under 50 concurrent connections (wrk, loopback) against a bare Flask
endpoint served by gunicorn with the same settings."""

from __future__ import annotations

import csv
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import redis

from dagkit.db import make_engine
from dagkit.kafka import dead_letter_topic, ensure_topics
from dagkit.migrations import upgrade
from search.service_layer.rebuild import rebuild
from search.testing.events import (
    generated_profile_events,
    institution_events,
    publish,
    statistics_events,
)
from tests.bench.kit_roundtrip import fresh_database
from tests.tools.services import ROOT

# One sync worker per core: wrk shares the same two cores, and more workers
# only add switching (measured: 4 workers gave lower throughput for both apps;
# threaded workers raised throughput a little but doubled p95 for both).
WORKERS = 2
CONNECTIONS = 50
SECONDS = 10
SEARCH_PORT, BARE_PORT = 18004, 18099
FILTER_PAIRS = [
    {"age_group": "3-5", "ownership": "kommunal"},
    {"age_group": "0-2", "meal": "offered"},
    {"kind": "aldersintegreret", "open_before": "07:00"},
    {"ownership": "privat", "tag": "udeliv"},
    {"age_group": "0-2", "sort": "normering"},
]
LUA = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("P50 %%d\\nP95 %%d\\nRPS %%f\\nERRORS %%d\\nREQUESTS %%d\\n",
    latency:percentile(50), latency:percentile(95),
    summary.requests / (summary.duration / 1e6), errors, summary.requests))
end
"""


def search_paths(count: int = 400) -> list[str]:
    rng = random.Random(11)
    with (ROOT / "data" / "postnumre.csv").open(encoding="utf-8") as fh:
        postcodes = [row["postnr"] for row in csv.DictReader(fh)]
    paths = []
    for _ in range(count):
        params = {"q": rng.choice(postcodes), **rng.choice(FILTER_PAIRS)}
        paths.append("/v1/search?" + "&".join(f"{k}={v}" for k, v in params.items()))
    return paths


def gunicorn(app: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app,
        ],
        env={**os.environ, **env},
        cwd=ROOT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(
                f"http://127.0.0.1:{port}/healthz"
                if "search" in app
                else f"http://127.0.0.1:{port}/const",
                timeout=1,
            )
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{app} did not start")


def wrk(port: int, paths: list[str]) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % ", ".join(f'"{p}"' for p in paths))
    out = subprocess.run(
        [
            "wrk",
            "-t1",  # one load thread: it shares the two cores with the servers
            f"-c{CONNECTIONS}",
            f"-d{SECONDS}s",
            "-s",
            script.name,
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    Path(script.name).unlink()
    return {key: float(value) for key, value in re.findall(r"^([A-Z0-9]+) ([\d.]+)$", out, re.M)}


def run() -> dict[str, bool]:
    if shutil.which("wrk") is None:  # Debian's load generator
        subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, capture_output=True)
    bootstrap = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    suffix = uuid.uuid4().hex[:8]
    topics = [
        f"bench.institutions.{suffix}",
        f"bench.statistics.{suffix}",
        f"bench.profiles.{suffix}",
    ]
    ensure_topics(bootstrap, [*topics, *(dead_letter_topic(t) for t in topics)])
    register = institution_events()
    publish(bootstrap, topics[0], register)
    publish(bootstrap, topics[1], statistics_events())
    publish(bootstrap, topics[2], generated_profile_events([e.subject for e in register[::3]]))
    events = len(register) + 98 + len(register[::3])
    redis_url = "redis://127.0.0.1:6379/2"
    with fresh_database() as url, tempfile.TemporaryDirectory() as data_dir:
        upgrade(ROOT / "services" / "search", url)
        engine = make_engine(url)
        started = time.perf_counter()
        rebuild(engine, bootstrap, topics=topics, group=f"bench.{suffix}")
        rebuild_seconds = time.perf_counter() - started
        engine.dispose()
        env = {
            "DATABASE_URL": url,
            "REDIS_URL": redis_url,
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "DATA_DIR": data_dir,
            "LOG_LEVEL": "WARNING",
        }
        redis.Redis.from_url(redis_url).flushdb()  # no answers cached by an earlier run
        paths = search_paths()
        search = gunicorn("search.entrypoints.wsgi:app", SEARCH_PORT, env)
        bare = gunicorn("tests.bench.bare_app:app", BARE_PORT, env)
        try:
            cold = []
            for path in paths:  # each search once, uncached: this also warms the cache
                started = time.perf_counter()
                urllib.request.urlopen(f"http://127.0.0.1:{SEARCH_PORT}{path}", timeout=10).read()
                cold.append(time.perf_counter() - started)
            searched = wrk(SEARCH_PORT, paths)
            baseline = wrk(BARE_PORT, ["/const"])
        finally:
            for proc in (search, bare):
                proc.terminate()
                proc.wait(30)
    ratio = searched["RPS"] / baseline["RPS"]
    cold.sort()
    cold_p50, cold_p95 = cold[len(cold) // 2] * 1000, cold[int(len(cold) * 0.95)] * 1000
    print("== search ==")
    print(
        f"full rebuild from the topics ({events:,} events): {rebuild_seconds:.1f} s  (target < 3 s)"
    )
    print(
        f"first (uncached) answer to each of {len(paths)} searches, one at a time:"
        f" p50 {cold_p50:.1f} ms, p95 {cold_p95:.1f} ms"
    )
    p50, p95 = searched["P50"] / 1000, searched["P95"] / 1000
    print(
        f"GET /v1/search, random postcode + two filters, {CONNECTIONS} connections, gunicorn "
        f"{WORKERS} workers: p50 {p50:.1f} ms, p95 {p95:.1f} ms, {searched['RPS']:,.0f} req/s,"
        f" errors {searched['ERRORS']:.0f}  (target p95 < 25 ms)"
    )
    print(
        f"bare Flask constant JSON, same settings: p95 {baseline['P95'] / 1000:.1f} ms, "
        f"{baseline['RPS']:,.0f} req/s; search/bare throughput {ratio:.0%}  (target >= 60%)"
    )
    return {
        "rebuild < 3 s": rebuild_seconds < 3,
        "search p95 < 25 ms": searched["P95"] < 25_000 and searched["ERRORS"] == 0,
        "search throughput >= 60% of bare Flask": ratio >= 0.6,
    }
