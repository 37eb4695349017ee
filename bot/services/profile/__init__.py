"""The seller profile shown on every gig card."""
