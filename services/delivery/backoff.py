"""Retries: exponential backoff, bounded in delay and in tries; after the last try, a dead letter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class Backoff:
    base: float = 2.0
    """Seconds before the second try."""
    factor: float = 2.0
    cap: float = 600.0
    """No wait is longer than this."""
    max_attempts: int = 10
    """Tries in all, the first included; 2 s doubling to the cap makes about 17 minutes with the defaults."""

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.base < 0 or self.factor < 1 or self.cap < 0:
            raise ValueError("backoff needs max_attempts >= 1, base >= 0, factor >= 1, cap >= 0")

    def delay(self, attempts: int) -> timedelta:
        """The wait after `attempts` failed tries (1 for the first failure)."""
        return timedelta(seconds=min(self.cap, self.base * self.factor ** (attempts - 1)))

    def exhausted(self, attempts: int) -> bool:
        return attempts >= self.max_attempts
