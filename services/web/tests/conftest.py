"""Integration tests of the web service: real Redis, real HTTP."""

from __future__ import annotations
