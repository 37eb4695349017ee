"""Fixtures for the simulator tests: a running sim, a raw HTTP client, a fake clock."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from telegram_sim import FloodLimits, SimServer
from telegram_sim.localstripe import LocalStripe, LocalStripeError, find_localstripe

STRIPE_TEST_SECRET_KEY = "sk_test_telegram_sim_local_0000000000"


@pytest.fixture(scope="session")
def localstripe_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh localstripe on a free port for the whole session, behind the sim's payments."""
    executable = find_localstripe()
    if executable is None:
        pytest.skip("localstripe is not installed (pip install localstripe)")
    log_path = tmp_path_factory.mktemp("localstripe") / "localstripe.log"
    with log_path.open("wb") as log:
        server = LocalStripe(executable, STRIPE_TEST_SECRET_KEY, log=log)
        try:
            url = server.start()
        except LocalStripeError as error:
            pytest.fail(f"{error}:\n{log_path.read_text()[-2000:]}")
    try:
        yield url
    finally:
        server.stop()


@dataclass
class FakeClock:
    """Monotonic time the test moves by hand (flood buckets)."""

    t: float = 1000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@dataclass
class Api:
    """Raw Bot API calls against the sim: JSON bodies or PTB-style form fields."""

    session: aiohttp.ClientSession
    sim: SimServer

    async def call(self, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        url = f"{self.sim.base_url}{self.sim.bot_token}/{method}"
        async with self.session.post(url, json=params) as resp:
            return resp.status, await resp.json()

    async def form(self, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        """Like PTB: strings as-is, everything else JSON-encoded in urlencoded fields."""
        fields = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        url = f"{self.sim.base_url}{self.sim.bot_token}/{method}"
        async with self.session.post(url, data=fields) as resp:
            return resp.status, await resp.json()

    async def ok(self, method: str, **params: Any) -> Any:
        status, body = await self.call(method, **params)
        assert status == 200 and body["ok"], body
        return body["result"]

    async def error(self, method: str, **params: Any) -> tuple[int, str]:
        status, body = await self.call(method, **params)
        assert not body["ok"], body
        assert status == body["error_code"]
        return status, body["description"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def sim(clock: FakeClock) -> AsyncIterator[SimServer]:
    server = SimServer(flood_limits=FloodLimits.off(), clock=clock, pre_checkout_timeout=0.2,
                       webhook_retry_delay=0.05, long_poll_cap=0.05)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def api(sim: SimServer) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as session:
        yield Api(session, sim)
