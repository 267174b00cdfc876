"""Finding repeated profile keys in bounded memory: 8 bytes a profile instead of the keys themselves.

Each key is hashed (64-bit FNV-1a, vectorised over the batch, one numpy pass per character position); only
keys whose hash repeats are compared as text, in a second pass over the written file.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


def hashes(strings: pa.Array) -> np.ndarray:
    """A 64-bit hash of each (non-null) string."""
    strings = strings.cast(pa.large_string())
    count = len(strings)
    _, offsets_buffer, data_buffer = strings.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64, count=count + 1, offset=strings.offset * 8)
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
    starts, lengths = offsets[:-1], np.diff(offsets)
    value = np.full(count, _FNV_OFFSET, dtype=np.uint64) ^ lengths.astype(np.uint64)
    with np.errstate(over="ignore"):
        for position in range(int(lengths.max()) if count else 0):
            active = lengths > position
            if active.all():
                value = (value ^ data[starts + position]) * _FNV_PRIME
            else:
                value[active] = (value[active] ^ data[starts[active] + position]) * _FNV_PRIME
    return value


class RepeatFinder:
    """Feed it every key batch by batch; ``repeated(batches)`` then counts keys seen more than once."""

    def __init__(self) -> None:
        self._hashes: list[np.ndarray] = []

    def add(self, keys: pa.Array) -> None:
        self._hashes.append(hashes(keys))

    def repeated(self, second_pass: Iterable[pa.Array]) -> int:
        if not self._hashes:
            return 0
        ordered = np.sort(np.concatenate(self._hashes))
        suspects = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
        self._hashes.clear()
        if not len(suspects):
            return 0
        # Equal hashes: compare the keys themselves (few, unless keys do repeat).
        found = [keys.filter(pa.array(np.isin(hashes(keys), suspects))) for keys in second_pass]
        candidates = pa.chunked_array(found, pa.string())
        return len(candidates) - pc.count_distinct(candidates).as_py()
