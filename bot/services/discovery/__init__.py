"""Finding gigs: browse, search, similar gigs, and the filters a buyer picks."""
