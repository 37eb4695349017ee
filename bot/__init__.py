"""Gig Broker: a Telegram bot that runs a micro-job marketplace inside chat."""
