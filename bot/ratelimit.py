"""A per-user sliding-window rate limit for questions sent to the bot."""

from __future__ import annotations

import time
from collections import deque
from typing import Callable, Hashable, NamedTuple


class Verdict(NamedTuple):
    allowed: bool
    retry_after: float  # seconds until the next question is accepted (0 when allowed)
    notify: bool  # True for the first refusal of a burst: say it once, then stay quiet


class RateLimiter:
    """At most `limit` hits per `window` seconds per key; limit <= 0 disables the limit."""

    def __init__(self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: dict[Hashable, deque[float]] = {}
        self._warned: set[Hashable] = set()

    def hit(self, key: Hashable) -> Verdict:
        if self.limit <= 0:
            return Verdict(True, 0.0, False)
        now = self.clock()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) < self.limit:
            hits.append(now)
            self._warned.discard(key)
            self._prune(now)
            return Verdict(True, 0.0, False)
        notify = key not in self._warned
        self._warned.add(key)
        return Verdict(False, max(0.0, hits[0] + self.window - now), notify)

    def _prune(self, now: float) -> None:
        """Forget idle users so the table stays small."""
        if len(self._hits) <= 10_000:
            return
        for key in [k for k, h in self._hits.items() if not h or h[-1] <= now - self.window]:
            self._hits.pop(key, None)
            self._warned.discard(key)
