"""Ids and etags, generated in one place.

With a seed the sequence is deterministic, so tests and recorded fixtures see
the same ids run after run; without one it is random.
"""

from __future__ import annotations

import random
import threading
import uuid


class IdFactory:
    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self.reseed(seed)

    def reseed(self, seed: int | None) -> None:
        with self._lock:
            self.seed = seed
            self._random = random.Random(seed)

    def _bits(self, n: int) -> int:
        with self._lock:
            return self._random.getrandbits(n)

    def uuid(self) -> str:
        """A random (version 4) UUID string."""
        return str(uuid.UUID(int=self._bits(128), version=4))

    def etag(self) -> str:
        """A quoted etag in the shape the service uses, e.g. ``"1f00a3c2-0000-0200-0000-65b2c1d30000"``."""
        bits = self._bits(64)
        return f'"{bits >> 32:08x}-0000-0200-0000-{bits & 0xFFFFFFFF:08x}0000"'

    def hex(self, length: int = 24) -> str:
        """A lower-case hex id (Catalog dataset ids are 24 of them)."""
        return f"{self._bits(length * 4):0{length}x}"
