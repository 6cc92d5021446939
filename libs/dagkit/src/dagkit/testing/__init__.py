"""Test helpers for the portal's services (a pytest plugin, loaded by entry point)."""

from dagkit.testing.events import EventCollector, expect_events

__all__ = ["EventCollector", "expect_events"]
