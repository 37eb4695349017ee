"""The HTTP face of the simulator: `/bot<token>/<method>` and `/file/bot<token>/<path>`.

Parameters may come as a query string, a urlencoded or multipart form (PTB's way, with complex
values JSON-encoded inside fields) or a JSON body; all end up in one dict plus the uploads.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from telegram_sim.errors import ApiError, bad_request
from telegram_sim.methods.common import Handler
from telegram_sim.validation import UploadedFile, find_method, method_index, validate_params
from telegram_sim.world import ApiCall, World

log = logging.getLogger(__name__)


async def read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """All request parameters and file parts, whatever the encoding."""
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if request.method != "POST" or not request.can_read_body:
        return raw, files
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except json.JSONDecodeError:
            raise bad_request("can't parse JSON body") from None
        if not isinstance(body, dict):
            raise bad_request("JSON body must be an object")
        raw.update(body)
        return raw, files
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            files[key] = UploadedFile(value.file.read(), value.filename or key, value.content_type)
        else:
            raw[key] = value
    return raw, files


class ApiHandlers:
    """aiohttp handlers bound to one world, one token and one method registry."""

    def __init__(self, world: World, token: str, registry: dict[str, Handler]) -> None:
        self.world = world
        self.token = token
        self.registry = registry
        self.index = method_index()

    def routes(self) -> list[web.RouteDef]:
        """The two routes the bot uses."""
        return [
            web.route("*", r"/bot{token:[^/]+}/{method:[^/]*}", self.api),
            web.get(r"/file/bot{token:[^/]+}/{path:.+}", self.file),
        ]

    async def api(self, request: web.Request) -> web.Response:
        """One Bot API call."""
        name = request.match_info["method"]
        call = ApiCall(method=name, params={}, at=self.world.now())
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            spec = find_method(name, self.index)
            call.method = spec.name
            raw, files = await read_params(request)
            call.params = raw
            impl = self.registry.get(spec.name)
            if impl is None:
                raise ApiError(501, f"Not Implemented: the simulator has no {spec.name}")
            params = validate_params(spec, raw, files)
            call.params = params
            call.result = await impl(self.world, params)
        except ApiError as exc:
            call.error = exc
            self.world.calls.append(call)
            return web.json_response(exc.to_json(), status=exc.code)
        self.world.calls.append(call)
        return web.json_response({"ok": True, "result": call.result})

    async def file(self, request: web.Request) -> web.Response:
        """A stored file's bytes."""
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").to_json(), status=401)
        record = self.world.file_by_path(request.match_info["path"])
        if record is None:
            return web.json_response(ApiError(404, "Not Found").to_json(), status=404)
        return web.Response(
            body=record.data, content_type=record.mime_type or "application/octet-stream"
        )
