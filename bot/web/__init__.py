"""The bot's HTTP server: Telegram webhook, Stripe webhook, health and metrics."""
