"""`python -m bot demo` plays every act to the end on the simulator."""

from __future__ import annotations

from bot.demo.play import play_demo


async def test_the_demo_completes_every_act() -> None:
    lines: list[str] = []
    assert await play_demo(out=lines.append) == 0, "\n".join(lines)
    transcript = "\n".join(lines)
    assert "The demo completed every step." in transcript
    for milestone in (
        "Hi Maya!",  # the welcome
        "is live!",  # the gig is published
        "Designers Hub",  # the group post
        "start gig_1_g",  # the order comes from the group post
        "Payment received",  # money in escrow
        "escrow:order:1",
        "seller:",  # released to the seller's payable balance
        "0 mismatches",  # reconcile: the ledger matches Stripe and Telegram
    ):
        assert milestone in transcript, milestone
