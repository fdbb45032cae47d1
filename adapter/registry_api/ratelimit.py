"""A token bucket: at most ``rate`` requests a second on average, ``burst`` at once, so we stay polite."""
from __future__ import annotations

import time


class TokenBucket:
    def __init__(self, rate: float, burst: float | None = None, clock=time.monotonic, sleep=time.sleep):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate, self.capacity = rate, burst if burst is not None else max(1.0, rate)
        self.tokens = self.capacity
        self.clock, self.sleep = clock, sleep
        self.stamp = clock()

    def take(self) -> None:
        """Wait until a token is there, then spend it."""
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            self.sleep((1 - self.tokens) / self.rate)
            self.tokens = 1.0
            self.stamp = self.clock()
        self.tokens -= 1
