"""The portal's rules for what institutions and municipalities report: plain
values and functions, no I/O."""
