"""The bot's own endpoints: getMe, getUpdates, webhooks, commands, close/logOut."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from telegram_sim.errors import ApiError, bad_request
from telegram_sim.methods.common import Handler
from telegram_sim.updates import WebhookConfig, WebhookSender
from telegram_sim.world import World

_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


async def get_me(world: World, params: dict[str, Any]) -> dict[str, Any]:
    """getMe: the bot's User with its capabilities."""
    return {
        **world.bot.to_api(),
        "can_join_groups": True,
        "can_read_all_group_messages": not world.options.privacy_mode,
        "supports_inline_queries": True,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def get_updates(world: World, params: dict[str, Any]) -> list[dict[str, Any]]:
    """getUpdates: long polling; 409 while a webhook is set."""
    if world.webhook is not None:
        raise ApiError(409, WEBHOOK_CONFLICT)
    limit = params.get("limit", 100)
    limit = 100 if not 1 <= limit <= 100 else limit
    if "allowed_updates" in params:
        world.updates.allowed_updates = params["allowed_updates"] or None
    timeout = max(0, params.get("timeout", 0))
    if world.options.long_poll_cap is not None:
        timeout = min(timeout, world.options.long_poll_cap)
    return await world.updates.get(params.get("offset"), limit, timeout)


async def set_webhook(world: World, params: dict[str, Any]) -> bool:
    """setWebhook: start POSTing updates to the URL (http allowed, unlike Telegram)."""
    url = params["url"]
    if not url:
        return await delete_webhook(world, params)
    if not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.get("secret_token")
    if secret is not None and not _SECRET_RE.match(secret):
        raise bad_request("secret token contains unallowed characters")
    await world.stop_webhook()
    if params.get("drop_pending_updates"):
        world.updates.drop_all()
    if "allowed_updates" in params:
        world.updates.allowed_updates = params["allowed_updates"] or None
    world.webhook = WebhookConfig(
        url=url,
        secret_token=secret,
        max_connections=min(100, max(1, int(params.get("max_connections", 40)))),
        allowed_updates=params.get("allowed_updates"),
        ip_address=params.get("ip_address"),
    )
    sender = WebhookSender(
        world.updates, world.webhook, world.options.webhook_retry_delay, world.now
    )
    world.webhook_sender = sender
    sender.start()
    return True


async def delete_webhook(world: World, params: dict[str, Any]) -> bool:
    """deleteWebhook (optionally dropping pending updates)."""
    await world.stop_webhook()
    world.webhook = None
    if params.get("drop_pending_updates"):
        world.updates.drop_all()
    return True


async def get_webhook_info(world: World, params: dict[str, Any]) -> dict[str, Any]:
    """getWebhookInfo."""
    hook = world.webhook
    info: dict[str, Any] = {
        "url": hook.url if hook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(world.updates.pending),
    }
    if hook is not None:
        info["max_connections"] = hook.max_connections
        if hook.ip_address:
            info["ip_address"] = hook.ip_address
        if hook.allowed_updates:
            info["allowed_updates"] = hook.allowed_updates
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
    return info


def _scope_key(params: dict[str, Any]) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    scope_id = ":".join(str(scope.get(k, "")) for k in ("type", "chat_id", "user_id"))
    return scope_id, params.get("language_code", "")


async def set_my_commands(world: World, params: dict[str, Any]) -> bool:
    """setMyCommands: 1-100 commands, names [a-z0-9_]{1,32}, descriptions 1-256."""
    commands = params["commands"]
    if len(commands) > 100:
        raise bad_request("too many commands")
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse BotCommand")
        if not _COMMAND_RE.match(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", ""))) <= 256:
            raise bad_request("command description must be 1-256 characters")
    world.commands[_scope_key(params)] = commands
    return True


async def get_my_commands(world: World, params: dict[str, Any]) -> list[dict[str, Any]]:
    """getMyCommands."""
    return world.commands.get(_scope_key(params), [])


async def delete_my_commands(world: World, params: dict[str, Any]) -> bool:
    """deleteMyCommands."""
    world.commands.pop(_scope_key(params), None)
    return True


async def accept(world: World, params: dict[str, Any]) -> bool:
    """Settings the simulator accepts and otherwise ignores (close, logOut, descriptions)."""
    return True


HANDLERS: Mapping[str, Handler] = MappingProxyType(
    {
        "getMe": get_me,
        "getUpdates": get_updates,
        "setWebhook": set_webhook,
        "deleteWebhook": delete_webhook,
        "getWebhookInfo": get_webhook_info,
        "setMyCommands": set_my_commands,
        "getMyCommands": get_my_commands,
        "deleteMyCommands": delete_my_commands,
        "close": accept,
        "logOut": accept,
        "setMyDescription": accept,
        "setMyShortDescription": accept,
        "setMyName": accept,
        "setChatMenuButton": accept,
    }
)
