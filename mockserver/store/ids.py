"""Ids and etags, generated in one place.

With a seed the sequence is deterministic, so tests and recorded fixtures see the same ids run
after run; without one it is random. On a store that outlives the process (sqlite, redis) a
seeded sequence is drawn from the store's counter instead: every process on the store, and a
restarted one, continues the one sequence and never issues an id again.
"""

from __future__ import annotations

import hashlib
import random
import threading
import uuid
from typing import Callable


class IdFactory:
    def __init__(self, seed: int | None = None, counter: Callable[[], int] | None = None) -> None:
        self._lock = threading.Lock()
        #: The store's shared sequence (``Store.next_sequence``), for a seeded factory on a lasting store.
        self._counter = counter
        self.reseed(seed)

    def reseed(self, seed: int | None) -> None:
        with self._lock:
            self.seed = seed
            self._random = random.Random(seed)

    def _bits(self, n: int) -> int:
        if self._counter is not None and self.seed is not None:
            digest = hashlib.blake2b(f"{self.seed}/{self._counter()}".encode(), digest_size=16).digest()
            return int.from_bytes(digest, "big") >> (128 - n)
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
