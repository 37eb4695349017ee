"""Bot replicas as separate processes behind a round-robin webhook balancer.

Shared by the two-replica test and the throughput benchmark, so what the benchmark measures is
what the test proves correct: each replica is `python -m bot run` in webhook mode on its own
free port; the balancer takes the simulator's webhook POSTs and hands them to the replicas in
turn (and to the next one when a replica is down), as a load balancer would.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web

from bench.cpu_limit import CpuQuota
from bot.web.server import SECRET_HEADER, TELEGRAM_PATH
from telegram_sim.localstripe import free_port

STARTUP_S = 60.0


@dataclass
class RoundRobin:
    """The load balancer: forwards each webhook POST to the next replica that answers."""

    backends: list[str]
    hits: dict[str, int] = field(default_factory=dict)
    url: str = ""
    _runner: web.AppRunner | None = None

    async def start(self) -> str:
        self._turn: Iterator[str] = itertools.cycle(self.backends)
        # No connection cap: the simulator bounds parallel POSTs by max_connections already.
        connector = aiohttp.TCPConnector(limit=0)
        self._session = aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=30)
        )
        app = web.Application()
        app.router.add_post(TELEGRAM_PATH, self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {SECRET_HEADER: request.headers.get(SECRET_HEADER, "")}
        for _ in self.backends:
            backend = next(self._turn)
            try:
                async with self._session.post(
                    backend + TELEGRAM_PATH, data=body, headers=headers
                ) as response:
                    self.hits[backend] = self.hits.get(backend, 0) + 1
                    return web.Response(status=response.status, body=await response.read())
            except aiohttp.ClientConnectionError:
                continue  # that replica is down: try the next one
        return web.Response(status=502)


class Replica:
    """One `python -m bot run` process (or another `command` serving /readyz); `start` returns
    once its /readyz answers 200. With `cpus`, the process runs under that CPU quota
    (`bench.cpu_limit`), as if on a machine of its own that size."""

    def __init__(
        self,
        name: str,
        environment: dict[str, str],
        folder: Path,
        command: tuple[str, ...] = ("-m", "bot", "run"),
        cpus: float | None = None,
    ) -> None:
        self.name = name
        self._command = command
        self._quota = CpuQuota(name, cpus) if cpus else None
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._environment = {**environment, "HTTP_PORT": str(self.port)}
        self._log = folder / f"{name}.log"
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self._log.open("ab") as log:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable,
                *self._command,
                cwd=self._log.parent,
                env=self._environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if self._quota is not None:
            self._quota.apply(self._process.pid)
        deadline = asyncio.get_running_loop().time() + STARTUP_S
        async with aiohttp.ClientSession() as session:
            while True:
                if self._process.returncode is not None:
                    raise AssertionError(f"{self.name} exited:\n{self.log()[-3000:]}")
                try:
                    async with session.get(self.url + "/readyz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientConnectionError:
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    raise AssertionError(f"{self.name} not ready:\n{self.log()[-3000:]}")
                await asyncio.sleep(0.1)

    async def kill(self) -> None:
        """Die at once, as a crashed machine would (no shutdown of any kind)."""
        if self._process is not None and self._process.returncode is None:
            self._process.kill()
            await self._process.wait()
        if self._quota is not None:
            self._quota.remove()

    async def stop(self) -> None:
        if self._process is not None and self._process.returncode is None:
            self._process.terminate()
            try:
                await asyncio.wait_for(self._process.wait(), 15)
            except TimeoutError:
                await self.kill()
        if self._quota is not None:
            self._quota.remove()

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the process used so far; Linux only (NaN elsewhere)."""
        if self._process is None:
            return float("nan")
        try:
            fields = Path(f"/proc/{self._process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log(self) -> str:
        return self._log.read_text(errors="replace")
