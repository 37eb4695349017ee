"""domain layer of Gig Broker (see DESIGN.md)."""
