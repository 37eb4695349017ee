"""`python -m bot demo` plays every act to the end on the simulator."""

from __future__ import annotations

from bot.demo import play_demo


async def test_the_demo_completes_every_act() -> None:
    lines: list[str] = []
    assert await play_demo(out=lines.append) == 0, "\n".join(lines)
    transcript = "\n".join(lines)
    assert "The demo completed every step." in transcript
    assert "Hi Maya!" in transcript
