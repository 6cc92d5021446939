"""Helpers for the kit's integration tests."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import kitprocs
from sqlalchemy import Engine

from dagkit.envelope import Envelope
from dagkit.outbox import add_to_outbox

HERE = Path(__file__).parent


def make_event(subject: str, seq: int, version: int | None = None, **extra: object) -> Envelope:
    return Envelope.new(
        source="/services/kittest",
        type=kitprocs.EVENT_TYPE,
        subject=subject,
        data={"seq": seq, "at": datetime.now(UTC).isoformat(), **extra},
        aggregate_version=version if version is not None else seq + 1,
    )


def stage(engine: Engine, topic: str, events: list[Envelope]) -> None:
    with engine.begin() as conn:
        for event in events:
            add_to_outbox(conn, kitprocs.kit.outbox, topic, event)


class Proc:
    """A kit process under test, started with the repository's interpreter.

    Its output goes to a file (a pipe nobody reads would block it) that a
    failing test prints.
    """

    def __init__(self, *args: str) -> None:
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - lives as long as the process
            mode="w+", prefix="kitproc-", suffix=".log", delete=False
        )
        self.popen = subprocess.Popen(
            [sys.executable, str(HERE / "kitprocs.py"), *args],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        wait_for(
            lambda: "ready" in self.output() or self.popen.poll() is not None,
            timeout=30,
            what="process start",
        )
        if self.popen.poll() is not None:
            raise RuntimeError(f"process did not start: {self.output()}")

    def output(self) -> str:
        return Path(self.log.name).read_text()

    def terminate(self, timeout: float = 30) -> int:
        self.popen.terminate()
        return self.popen.wait(timeout)

    def kill(self) -> None:
        self.popen.kill()
        self.popen.wait(10)

    def close(self) -> None:
        if self.popen.poll() is None:
            self.kill()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


def wait_for(predicate: Callable[[], bool], timeout: float = 60, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")
