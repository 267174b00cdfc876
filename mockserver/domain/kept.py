"""What is derived from a whole collection, kept while the collection's version holds.

One bounded table (least recently used out first) for every such derivation: the sorted
selections of lists (``listing.Listings``) and which flows use each connection
(``references.FlowReferences``). A version of None (a store that cannot tell) keeps nothing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

#: Returned by ``get`` when nothing is kept for that key at that version.
MISSING = object()


class Kept:
    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Any, tuple[int, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any, version: int | None) -> Any:
        if version is None:
            return MISSING
        with self._lock:
            kept = self._items.get(key)
            if kept is None or kept[0] != version:
                return MISSING
            self._items.move_to_end(key)
            return kept[1]

    def put(self, key: Any, version: int | None, value: Any) -> None:
        if version is None:
            return
        with self._lock:
            self._items[key] = (version, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
