"""Telegram adapters shared by the flows: outgoing messages, the notifier, the outbox sender."""
