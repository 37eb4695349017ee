"""SQLAlchemy Core implementations of the ports in `bot.services.ports`."""
