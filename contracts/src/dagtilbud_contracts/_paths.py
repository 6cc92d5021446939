"""Where the contracts checkout lives, for the files that are not Python code.

JSON Schema, asyncapi.yaml and the examples sit next to the package in
contracts/, because they are read by people and by tools in other languages.
They are found relative to this file, which works for the editable install
every service and test uses.
"""

from __future__ import annotations

from pathlib import Path


def contracts_root() -> Path:
    root = Path(__file__).resolve().parents[2]
    if not (root / "pyproject.toml").is_file() or not (root / "examples").is_dir():
        raise FileNotFoundError(
            f"no contracts checkout at {root}: install the package editable "
            "(pip install -e contracts) or pass the directory explicitly"
        )
    return root
