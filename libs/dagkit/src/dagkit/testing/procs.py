"""Processes under test: started with the test run's own interpreter, killed
or stopped by the test, their output kept for a failing test to show."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


class Proc:
    """``python -m module *args``, started and waited for until it prints ``ready``.

    Its output goes to a file (a pipe nobody reads would block it) that a
    failing test prints.
    """

    def __init__(self, module: str, *args: str, start_timeout: float = 30) -> None:
        self.args = args
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - lives as long as the process
            mode="w+", prefix="kitproc-", suffix=".log", delete=False
        )
        self.popen = subprocess.Popen(  # noqa: S603 - the test run's own interpreter
            [sys.executable, "-m", module, *args],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        wait_for(
            lambda: "ready" in self.output() or self.popen.poll() is not None,
            timeout=start_timeout,
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
