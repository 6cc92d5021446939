"""A drop folder for the tests of the drop-folder channel."""

from __future__ import annotations

from pathlib import Path

from ingest.service_layer import drop_folder


def drop_one(tmp_path: Path, name: str, content: bytes) -> tuple[Path, Path]:
    """A drop folder with one file come in: the folder and the file."""
    drop = tmp_path / "drop"
    drop_folder.ensure_folders(drop)
    path = drop / "incoming" / name
    path.write_bytes(content)
    return drop, path
