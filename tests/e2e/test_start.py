"""/start, /help, /cancel and the safety net every flow stands on, through the simulator."""

from __future__ import annotations

from tests.harness import Harness


async def test_start_greets_by_name_and_offers_both_sides(harness: Harness) -> None:
    alice = harness.user("alice", first_name="Alice")
    await alice.send("/start")
    menu = await alice.expect("Hi Alice!")
    assert "Sell a service" in " ".join(menu.button_texts)
    assert "Find a service" in " ".join(menu.button_texts)


async def test_how_it_works_button_explains_escrow(harness: Harness) -> None:
    alice = harness.user("alice")
    await alice.send("/start")
    await alice.expect("Hi")
    await alice.tap("How it works")
    await alice.expect("waits in escrow")


async def test_help_and_cancel_answer(harness: Harness) -> None:
    bob = harness.user("bob")
    await bob.send("/help")
    await bob.expect("How Gig Broker works")
    await bob.send("/cancel")
    await bob.expect("Stopped.")


async def test_command_menu_is_published(harness: Harness) -> None:
    calls = harness.sim.calls_to("setMyCommands")
    assert calls, "setMyCommands was never called"
    names = [c["command"] for c in calls[-1].params["commands"]]
    assert names[:3] == ["start", "help", "cancel"]
    assert len(names) == len(set(names))


async def test_a_redelivered_update_is_handled_once(harness: Harness) -> None:
    carol = harness.user("carol")
    message = await carol.send("/start")
    await carol.expect("Hi")
    update_id = harness.sim.updates_sent[-1]["update_id"]
    assert harness.sim.updates_sent[-1]["message"]["message_id"] == message["message_id"]
    await harness.sim.redeliver(update_id)
    await carol.expect_nothing(within=0.5)


async def test_a_forged_button_gets_a_refusal_not_a_crash(harness: Harness) -> None:
    dave = harness.user("dave")
    await dave.send("/start")
    menu = await dave.expect("Hi")
    for forged in ("menu:help:extra", "nosuchprefix:1", "menu", "x" * 64):
        answer = await (await harness.forge_tap(dave, menu, forged)).answer()
        assert answer.get("show_alert") is True, forged
        assert "no longer valid" in answer.get("text", ""), forged
