"""A channel is set up from the admin's private chat (nobody can tap buttons in a channel), and
a freelancer promotes a gig there with the "Promote" button of their gig panel."""

from __future__ import annotations

from tests.e2e.group_steps import live_gig
from tests.harness import Harness


async def test_channel_set_up_in_private_then_a_gig_promoted_by_button(harness: Harness) -> None:
    bob, maya = harness.user("bob"), harness.user("maya", first_name="Maya")
    await bob.send("/start")
    await bob.expect("Hi")
    channel = harness.sim.channel("Design Deals", admins=[bob])
    await channel.add_bot(by=bob, as_admin=True)
    panel = await bob.expect("Gig Broker in Design Deals")  # in Bob's private chat
    assert "Status: ⏸ paused" in panel.text
    await channel.expect_nothing()
    await bob.tap("Start posting")
    await bob.expect("Status: ▶️ posting")
    await bob.tap("Posting")
    await bob.expect("Posting:")
    await bob.tap("Daily digest")  # no instant posts: only promotions (and the digest)
    await bob.expect("one digest a day")
    await bob.tap("Allow promotions")
    await bob.expect("Promotions by freelancers: allowed")
    await bob.send("/gigsettings")  # later: the chats Bob added the bot to
    await bob.expect("Which chat do you want to set up?")
    await bob.tap("⚙️ Design Deals")
    await bob.expect("Gig Broker in Design Deals")

    gig_id = await live_gig(harness, maya)
    await harness.bot.drain_outbox()
    await channel.expect_nothing()
    await maya.send(f"/start gig_{gig_id}")
    await maya.expect("This is your gig.")
    await maya.tap("📣 Promote in groups")
    await maya.expect("goes out to 1 chat(s)")
    await harness.bot.drain_outbox()
    post = await channel.expect("minimalist logo")
    assert any("Order from" in label for label in post.button_texts)
    await maya.tap("📣 Promote in groups")  # same rules as /promote: once a day per chat
    await maya.expect("No chat takes a promotion of this gig today")
    await harness.bot.drain_outbox()
    await channel.expect_nothing()
