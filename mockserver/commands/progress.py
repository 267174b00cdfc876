"""A one-line progress bar for long commands: drawn on stderr only when it is a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30


class Progress:
    def __init__(self, total: int, unit: str, stream: TextIO | None = None, interval: float = 0.1) -> None:
        self.total, self.unit, self.done = total, unit, 0
        self.stream = stream if stream is not None else sys.stderr
        self.live = self.stream.isatty() and total > 0
        self.started = time.monotonic()
        self._interval, self._drawn_at = interval, 0.0

    def __call__(self, rows: int) -> None:
        self.done += rows
        now = time.monotonic()
        if self.live and (now - self._drawn_at >= self._interval or self.done >= self.total):
            self._drawn_at = now
            share = min(self.done / self.total, 1.0)
            bar = "#" * round(share * WIDTH)
            self.stream.write(f"\r[{bar:<{WIDTH}}] {share:4.0%} {self.done:,}/{self.total:,} {self.unit} "
                              f"{now - self.started:5.1f} s")
            self.stream.flush()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def close(self) -> None:
        if self.live:
            self.stream.write("\r" + " " * (WIDTH + 60) + "\r")
            self.stream.flush()
