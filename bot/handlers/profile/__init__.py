"""My profile in chat: what buyers read about a seller and how to change it."""
