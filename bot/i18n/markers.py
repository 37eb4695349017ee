"""Pure markers for message extraction; no catalog is read here."""


def N_(message: str) -> str:
    """Mark `message` for extraction by Babel; return it unchanged (translated later)."""
    return message
