"""The data directory: its layout, its JSON metadata (read without pyarrow), and all-or-nothing writes.

``seed`` and ``load`` write every file into a hidden staging folder inside the data directory and move
them into place only when all are written, so a refused or interrupted command leaves the directory as
it was (a killed process may leave a ``.staging-*`` folder, which readers ignore).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from . import model
from .errors import DataError

PACKAGED_DATASETS = Path(__file__).resolve().parent.parent / "catalog" / "datasets.json"
DATASET_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def read_json(path: Path, default: Any) -> Any:
    if not path.exists():
        return default
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: {exc}") from None


def packaged_datasets() -> list[dict]:
    return json.loads(PACKAGED_DATASETS.read_text(encoding="utf-8"))


def list_datasets(data_dir: str | Path | None) -> list[dict]:
    """The Catalog datasets the mock offers: the data directory's ``datasets.json`` (none if it has
    none), or the packaged demo datasets without a data directory. Cheap: no pyarrow."""
    if data_dir is None:
        return packaged_datasets()
    return read_json(Path(data_dir) / model.DATASETS_FILE, [])


def dataset_file(data_dir: Path, dataset_id: str) -> Path:
    return data_dir / model.DATASETS_DIR / f"{dataset_id}.parquet"


class Staging:
    """Files written under a temporary folder of ``data_dir``, moved into place by ``commit``."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._created = not data_dir.exists()
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DataError(f"{data_dir}: cannot create the data directory ({exc})") from None
        if not data_dir.is_dir():
            raise DataError(f"{data_dir}: not a directory")
        self.root = Path(tempfile.mkdtemp(prefix=".staging-", dir=data_dir))
        self._files: list[str] = []

    def path(self, relative: str) -> Path:
        """Where to write ``relative`` (a path inside the data directory) for now."""
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        self._files.append(relative)
        return target

    def write_json(self, relative: str, value: Any) -> None:
        self.path(relative).write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    def commit(self) -> None:
        for relative in self._files:
            final = self.data_dir / relative
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.root / relative, final)
        shutil.rmtree(self.root, ignore_errors=True)

    def abort(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        if self._created:
            try:
                self.data_dir.rmdir()  # only if still empty
            except OSError:
                pass

    def __enter__(self) -> "Staging":
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.commit()
        else:
            self.abort()
