"""The web service's domain: plain values and rules for the pages, no I/O."""
