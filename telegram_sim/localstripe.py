"""Runs `localstripe` (a stateful Stripe emulator from PyPI) as a child process.

The demo and the tests use it so refunds and transfers act on real Stripe objects offline.
localstripe is a development dependency: `find_localstripe()` says whether it is installed.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import IO, Self

STARTUP_TIMEOUT_S = 15.0


def find_localstripe() -> str | None:
    """The executable beside this Python (a venv need not be on PATH), else on PATH."""
    beside_python = Path(sys.executable).parent / "localstripe"
    if beside_python.exists():
        return str(beside_python)
    return shutil.which("localstripe")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str, secret_key: str) -> bool:
    request = urllib.request.Request(
        f"{url}/v1/charges", headers={"Authorization": f"Bearer {secret_key}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=0.5):
            return True
    except urllib.error.HTTPError:
        return True  # it answered, even if with an error
    except OSError:
        return False


class LocalStripeError(RuntimeError):
    """localstripe could not be started."""


class LocalStripe:
    """A localstripe process on a free port, started fresh (`--from-scratch`)."""

    def __init__(self, executable: str, secret_key: str, log: IO[bytes] | None = None) -> None:
        self._executable = executable
        self._secret_key = secret_key
        self._log = log
        self._process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> str:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        output = self._log if self._log is not None else subprocess.DEVNULL
        self._process = subprocess.Popen(
            [self._executable, "--port", str(port), "--from-scratch"],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not _answers(url, self._secret_key):
            if self._process.poll() is not None:
                raise LocalStripeError("localstripe exited early")
            if time.monotonic() > deadline:
                self.stop()
                raise LocalStripeError(f"localstripe did not answer in {STARTUP_TIMEOUT_S}s")
            time.sleep(0.05)
        self.url = url
        return url

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
