"""Durable JSON documents in the data folder, shared safely by the server and Portal CLI processes.

Why this shape:
- Every change is a read-modify-write under one inter-process `flock` (the lock file in the data
  folder), so a CLI command and ten concurrent HTTP requests never lose each other's updates. The
  document is re-read inside the lock every time: a change made by another process is seen at once.
- Writes are atomic and durable: a temp file in the same folder is written, flushed and fsynced,
  then `os.replace`d over the document and the folder is fsynced. A reader (who takes no lock) sees
  the old or the new file, never a torn one, and a `kill -9` at any point loses only the change whose
  caller had not been answered yet. The temp file has a fixed name: only the lock holder writes it,
  so a leftover from a killed writer is simply overwritten.
"""

from __future__ import annotations

import fcntl
import json
import os
from contextlib import contextmanager
from typing import Callable, Iterator

from . import seed
from .errors import EmulatorError

LOCK_NAME = ".lock"


class Document:
    """One JSON file in the data folder."""

    def __init__(self, store: "Store", name: str, factory: Callable[[], dict]):
        self._store = store
        self.name = name
        self.path = os.path.join(store.data_dir, name)
        self._tmp = os.path.join(store.data_dir, f".{name}.tmp")
        self._factory = factory

    def read(self) -> dict:
        """A consistent snapshot, without the lock (atomic replace makes that safe)."""
        text = self._read_text()
        if text is None:
            with self.transaction() as doc:  # first use: create it under the lock
                return doc
        return self._parse(text)

    @contextmanager
    def transaction(self) -> Iterator[dict]:
        """Yield the current document; save it if the block ends normally and changed it."""
        with self._store.locked():
            text = self._read_text()
            doc = self._factory() if text is None else self._parse(text)
            yield doc
            new_text = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
            if new_text != text:
                self._write(new_text)

    def _read_text(self) -> str | None:
        try:
            with open(self.path, encoding="utf-8") as f:
                return f.read()
        except FileNotFoundError:
            return None

    def _parse(self, text: str) -> dict:
        try:
            doc = json.loads(text)
        except ValueError as e:
            raise EmulatorError(f"{self.path} is not valid JSON ({e}); restore it, or delete it for a fresh "
                                "account") from None
        if not isinstance(doc, dict):
            raise EmulatorError(f"{self.path} does not hold a JSON object; restore it, or delete it for a fresh "
                                "account")
        return doc

    def _write(self, text: str) -> None:
        data = text.encode("utf-8")
        fd = os.open(self._tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(self._tmp, self.path)
        dir_fd = os.open(self._store.data_dir, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class Store:
    """The data folder: `state.json` (the account), `faults.json` (injected faults), `.lock`."""

    def __init__(self, data_dir: str):
        self.data_dir = os.path.abspath(data_dir)
        if not os.path.isdir(self.data_dir):
            if os.path.exists(self.data_dir):
                raise EmulatorError(f"data folder {data_dir} exists and is not a folder")
            try:
                os.mkdir(self.data_dir, 0o700)
            except FileExistsError:
                pass  # another process created it first
            except OSError as e:
                raise EmulatorError(f"cannot create data folder {data_dir}: {e.strerror}") from None
        self._lock_path = os.path.join(self.data_dir, LOCK_NAME)
        self.state = Document(self, "state.json", seed.initial_state)
        self.faults = Document(self, "faults.json", seed.initial_faults)

    @contextmanager
    def locked(self) -> Iterator[None]:
        # A fresh open file description per holder: flock then also excludes threads of this process.
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock; so does the process dying
