"""Test helpers for the portal's services (a pytest plugin, loaded by entry point)."""

from dagkit.testing.events import EventCollector, end_offsets, expect_events

__all__ = ["EventCollector", "end_offsets", "expect_events"]
