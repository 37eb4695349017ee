"""Requirement files reach the seller: after the "New order" notice, each file the
buyer answered with is re-sent to the seller by its file_id, in question order."""

from __future__ import annotations

from bot.domain.gig import GigDraft
from tests.e2e.gig_steps import seed_live_gig
from tests.e2e.test_orders import shop
from tests.harness import Harness
from tests.services.money_world import gig_draft

__all__ = ["shop"]

PNG = b"\x89PNG\r\n\x1a\n" + bytes(40)


async def test_requirement_files_are_forwarded_to_the_seller_in_order(shop: Harness) -> None:
    harness = shop
    sam, tom = harness.user("sam", first_name="Sam"), harness.user("tom", first_name="Tom")
    await sam.send("/start")
    await sam.expect("Hi")
    photo = harness.sim.world.store_file("photo", b"\xff\xd8 logo", size=(640, 480)).file_id
    draft = GigDraft.model_validate(
        {
            **gig_draft().model_dump(),
            "photos": (photo,),
            "extras": (),
            "requirements": (
                {"question": "Your current logo file?", "kind": "file"},
                {"question": "Brand name?", "kind": "text"},
                {"question": "A photo of your shop?", "kind": "file"},
            ),
        }
    )
    gig_id = await seed_live_gig(harness, sam, draft)

    await tom.send(f"/start gig_{gig_id}")
    await tom.expect("modern minimalist logo")
    await tom.tap("Order from")
    await tom.expect("Choose a package")
    await tom.tap("Basic")
    await tom.expect("Your current logo file?")
    sent_doc = await tom.send_document(
        b"%PDF-1.4 old logo", "old-logo.pdf", mime_type="application/pdf"
    )
    await tom.expect("Brand name?")
    await tom.send("Acme Corp")
    await tom.expect("A photo of your shop?")
    sent_photo = await tom.send_photo(PNG)
    await tom.expect("Total:")
    await tom.tap("Confirm and pay")
    await tom.expect("I will design")
    assert (await tom.pay()).ok

    notice = await sam.expect("New order")
    assert "old-logo.pdf" in notice.text and "Acme Corp" in notice.text
    first = await sam.expect("Your current logo file?")
    second = await sam.expect("A photo of your shop?")
    assert first.message_id < second.message_id  # after the notice, in question order
    assert "document" in first.raw and "old-logo.pdf" in first.text
    assert first.raw["document"]["file_unique_id"] == sent_doc["document"]["file_unique_id"]
    assert "photo" in second.raw
    assert second.raw["photo"][-1]["file_unique_id"] == sent_photo["photo"][-1]["file_unique_id"]
    sends = [c.method for c in harness.sim.calls if c.params.get("chat_id") == sam.id]
    assert sends[-2:] == ["sendDocument", "sendPhoto"]
