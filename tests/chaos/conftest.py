"""The service tests' `world` fixture, for the chaos sample."""

from tests.services.conftest import world

__all__ = ["world"]
