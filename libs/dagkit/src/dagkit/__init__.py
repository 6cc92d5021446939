"""Mechanics every portal service shares. No domain lives here."""
