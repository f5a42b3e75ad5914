"""Writing an export to a file without ever leaving a partial one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_export_file(path: Path, text: str) -> None:
    """Write through a temporary file in the same folder, so a failure never leaves a partial file.

    The file ends up readable by its owner only (mkstemp's mode), like the database it comes from.
    """
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
