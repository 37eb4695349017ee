"""sendPhoto, sendDocument and getFile: uploads are stored, file_ids are reusable."""

from __future__ import annotations

import struct
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from telegram_sim.errors import bad_request
from telegram_sim.markup import validate_reply_markup
from telegram_sim.methods.common import Handler, parsed_caption, writable_chat
from telegram_sim.model import FileRecord
from telegram_sim.validation import UploadedFile
from telegram_sim.world import World

PHOTO_UPLOAD_LIMIT = 10 * 1024 * 1024
DOCUMENT_UPLOAD_LIMIT = 50 * 1024 * 1024


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG or JPEG (a plausible default for anything else)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                break
            marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(width), int(height)
            i += 2 + int(length)
    return 800, 600


def photo_sizes(record: FileRecord) -> list[dict[str, Any]]:
    """The PhotoSize array Telegram gives for a photo (a thumbnail and the full size)."""
    full = {
        "file_id": record.file_id,
        "file_unique_id": record.file_unique_id,
        "width": record.width,
        "height": record.height,
        "file_size": len(record.data),
    }
    scale = max(record.width, record.height) / 90 or 1
    thumb = {
        **full,
        "width": max(1, int(record.width / scale)),
        "height": max(1, int(record.height / scale)),
    }
    return [thumb, full]


def document_object(record: FileRecord) -> dict[str, Any]:
    """Telegram's Document object for a stored file."""
    out: dict[str, Any] = {
        "file_id": record.file_id,
        "file_unique_id": record.file_unique_id,
        "file_size": len(record.data),
    }
    if record.file_name:
        out["file_name"] = record.file_name
    if record.mime_type:
        out["mime_type"] = record.mime_type
    return out


def store_photo(world: World, data: bytes) -> FileRecord:
    """Store image bytes as a photo with its dimensions."""
    return world.store_file("photo", data, size=image_size(data))


def _resolve(world: World, value: UploadedFile | str, kind: str, limit: int) -> FileRecord:
    if isinstance(value, UploadedFile):
        if not value.data:
            raise bad_request("file must be non-empty")
        if len(value.data) > limit:
            raise bad_request("file is too big")
        if kind == "photo":
            return store_photo(world, value.data)
        return world.store_file(kind, value.data, value.filename, value.content_type)
    if value.startswith(("http://", "https://")):
        raise bad_request("wrong file identifier/HTTP URL specified")
    record = world.files.get(value)
    if record is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if record.kind != kind:
        raise bad_request(f"can't use file of type {record.kind.title()} as {kind.title()}")
    return record


async def send_photo(world: World, params: dict[str, Any]) -> dict[str, Any]:
    """sendPhoto (upload or file_id)."""
    content = parsed_caption(params)
    validate_reply_markup(params.get("reply_markup"))
    chat = writable_chat(world, params)
    record = _resolve(world, params["photo"], "photo", PHOTO_UPLOAD_LIMIT)
    content["photo"] = photo_sizes(record)
    return await world.post_bot_message(chat, content, params)


async def send_document(world: World, params: dict[str, Any]) -> dict[str, Any]:
    """sendDocument (upload or file_id)."""
    content = parsed_caption(params)
    validate_reply_markup(params.get("reply_markup"))
    chat = writable_chat(world, params)
    record = _resolve(world, params["document"], "document", DOCUMENT_UPLOAD_LIMIT)
    content["document"] = document_object(record)
    return await world.post_bot_message(chat, content, params)


async def get_file(world: World, params: dict[str, Any]) -> dict[str, Any]:
    """getFile: the file_path to download from /file/bot<token>/<file_path>."""
    record = world.files.get(params["file_id"])
    if record is None:
        raise bad_request("invalid file_id")
    return {
        "file_id": record.file_id,
        "file_unique_id": record.file_unique_id,
        "file_size": len(record.data),
        "file_path": record.file_path,
    }


HANDLERS: Mapping[str, Handler] = MappingProxyType(
    {"sendPhoto": send_photo, "sendDocument": send_document, "getFile": get_file}
)
