"""services layer of Gig Broker (see DESIGN.md)."""
