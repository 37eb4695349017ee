"""Makes the Stripe fixtures available here until (and unless) the root conftest registers them.

pytest only honours `pytest_plugins` in the root conftest; importing the fixtures by name is
the supported alternative. Once the root registers `tests.fixtures.stripe`, the import is
skipped so that the session-wide localstripe is started once, not twice.
"""

from __future__ import annotations

import tests.conftest as _root

if "tests.fixtures.stripe" not in getattr(_root, "pytest_plugins", ()):
    from tests.fixtures.stripe import (  # noqa: F401
        localstripe_url,
        make_charge,
        stripe_api,
        stripe_gateway,
    )
