"""The one clock every part of the mock asks for "now".

Real time by default; tests and users can freeze it, set it or move it
forward, so that timestamps (and, later, schedules) are under their control.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable


class Clock:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frozen_at: float | None = None
        self._offset = 0.0
        #: Called after every change (the platform keeps the clock in its store, for every process).
        self.on_change: Callable[[], None] = lambda: None

    def state(self) -> dict[str, Any]:
        """What the clock shows, as data: frozen at an instant, or running at an offset from real time."""
        return {"frozenAt": self._frozen_at, "offset": self._offset}

    def load(self, state: dict[str, Any] | None) -> None:
        """Show what ``state`` (from ``state()``) says; None: real time."""
        state = state or {}
        with self._lock:
            frozen = state.get("frozenAt")
            self._frozen_at = None if frozen is None else float(frozen)
            self._offset = float(state.get("offset") or 0.0)

    def now(self) -> float:
        """Seconds since the epoch, as a float."""
        frozen = self._frozen_at
        return frozen if frozen is not None else time.time() + self._offset

    def now_ms(self) -> int:
        return int(self.now() * 1000)

    def freeze(self, at: float | None = None) -> None:
        with self._lock:
            self._frozen_at = self.now() if at is None else float(at)
        self.on_change()

    def unfreeze(self) -> None:
        """Let time run again from the instant the clock shows now."""
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - time.time()
                self._frozen_at = None
        self.on_change()

    def set(self, at: float) -> None:
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at = float(at)
            else:
                self._offset = float(at) - time.time()
        self.on_change()

    def advance(self, seconds: float) -> None:
        self.set(self.now() + seconds)

    def reset(self) -> None:
        with self._lock:
            self._frozen_at = None
            self._offset = 0.0
        self.on_change()

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None
