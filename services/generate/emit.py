"""Dated sender events: ids drawn from the generator's rng, local times with their offset, month buckets.

Every generated farm is in America/New_York (Vermont and New York), so ordering by (date, minute of the
local day) is ordering by instant; events are placed between 07:00 and 19:00, away from DST changes.
"""

from __future__ import annotations

import heapq
import operator
import random
import tempfile
from collections.abc import Iterator
from datetime import date, datetime, time
from functools import lru_cache
from typing import IO, Any

import orjson

from events.types import DEFAULT_TZ

Event = dict[str, Any]
_BY_TIME = operator.itemgetter(0)  # (date ordinal, minute) of a bucket entry
HELD = 100_000
"""Events an `Emitter` holds in memory at most (about 100 MB): beyond that, every month's bucket is sorted and
written to a temporary file as a run, and `drain` merges a month's runs back. Memory is bounded by this, not
by the number of farms (25,000 farms make 1.2 million events a month)."""


def month_key(day: date) -> int:
    return day.year * 12 + day.month - 1


_TWO_DIGITS = [f"{i:02d}" for i in range(100)]
SMALL = [f"{i // 100}.{_TWO_DIGITS[i % 100]}" for i in range(1 << 15)]
"""cents(i) for i < 32768 (up to $327.67 or 327.67 hours): hours, wages and deductions, by index."""


def cents(amount: int) -> str:
    """Integer cents (or hundredths of an hour, >= 0) as the decimal string the contract carries."""
    if amount < 32768:
        return SMALL[amount]
    return f"{amount // 100}.{_TWO_DIGITS[amount % 100]}"


_V4_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_V4_SET = (0x8000 << 48) | (0x4000 << 64)


_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}


def new_ids(rng: random.Random, n: int) -> list[str]:
    """The same ids as n calls of `new_id`, in order, from one draw (getrandbits fills low words first)."""
    h = rng.getrandbits(128 * n).to_bytes(16 * n, "big").hex()
    return [
        f"{h[i:i + 8]}-{h[i + 8:i + 12]}-4{h[i + 13:i + 16]}-{_VARIANT[h[i + 16]]}{h[i + 17:i + 20]}-{h[i + 20:i + 32]}"
        for i in range(32 * (n - 1), -1, -32)
    ]


def new_id(rng: random.Random) -> str:
    """Same text as str(uuid.UUID(int=rng.getrandbits(128), version=4)), without building the object."""
    h = ((rng.getrandbits(128) & _V4_CLEAR) | _V4_SET).to_bytes(16, "big").hex()
    return "-".join((h[:8], h[8:12], h[12:16], h[16:20], h[20:]))


@lru_cache(maxsize=4096)
def _day_prefix(day: date) -> tuple[str, str]:
    offset = datetime.combine(day, time(12), DEFAULT_TZ).strftime("%z")
    return day.isoformat() + "T", f"{offset[:3]}:{offset[3:]}"


def stamp(day: date, minute: int) -> str:
    """ISO 8601 with the New York offset of that day, e.g. 2025-03-14T15:00:00-04:00."""
    prefix, offset = _day_prefix(day)
    return f"{prefix}{minute // 60:02d}:{minute % 60:02d}:00{offset}"


class Emitter:
    """Collects events by month; `drain` yields finished months in posting order (by time, then as made)."""

    def __init__(self, last: date, held: int | None = None) -> None:
        self.last = last
        self.held = HELD if held is None else held
        self._buckets: dict[int, list[tuple[tuple[int, int], Event]]] = {}
        self._runs: dict[int, list[IO[bytes]]] = {}
        """Each month's spilled runs, oldest first: sorted by time, ties in the order made."""
        self._slots: dict[tuple[date, int], tuple[list[tuple[tuple[int, int], Event]], tuple[int, int], str]] = {}

    def emit(
        self, rng: random.Random, type_: str, farm_id: str, day: date, minute: int,
        actor: tuple[str, str], data: dict[str, Any], schema_version: int | None = None,
    ) -> None:
        """Record one event at `minute` of the local `day`; events after the program's end never happen."""
        slot = self._slots.get((day, minute)) or self._slot(day, minute)
        if not slot[2]:
            return
        event: Event = {"event_id": new_id(rng), "type": type_}
        if schema_version is not None:
            event["schema_version"] = schema_version
        event["farm_id"] = farm_id
        event["occurred_at"] = slot[2]
        event["actor"] = {"role": actor[0], "id": actor[1]}
        event["data"] = data
        slot[0].append((slot[1], event))

    def emit_many(
        self, rng: random.Random, type_: str, farm_id: str, day: date, minute: int,
        actor: tuple[str, str], datas: list[dict[str, Any]],
    ) -> None:
        """`emit` for many events of one type, sender and moment (a payroll run): the hot path."""
        slot = self._slots.get((day, minute)) or self._slot(day, minute)
        if not slot[2]:
            return
        key, at, append = slot[1], slot[2], slot[0].append
        role, actor_id = actor
        for event_id, data in zip(new_ids(rng, len(datas)), datas, strict=True):
            append((key, {"event_id": event_id, "type": type_, "farm_id": farm_id, "occurred_at": at,
                          "actor": {"role": role, "id": actor_id}, "data": data}))

    def _slot(
        self, day: date, minute: int
    ) -> tuple[list[tuple[tuple[int, int], Event]], tuple[int, int], str]:
        """Where events of one local minute go: their month's bucket, sort key and occurred_at text."""
        bucket = self._buckets.setdefault(month_key(day), [])
        slot = (bucket, (day.toordinal(), minute), stamp(day, minute) if day <= self.last else "")
        self._slots[(day, minute)] = slot
        return slot

    def spill_if_full(self) -> None:
        """Past `held` events in memory, write every bucket out as a sorted run (the buckets stay, emptied, so
        the cached slots still point at them). Called between farms: an event is never changed once emitted."""
        if sum(len(bucket) for bucket in self._buckets.values()) < self.held:
            return
        for key, bucket in self._buckets.items():
            if not bucket:
                continue
            bucket.sort(key=_BY_TIME)
            run = tempfile.TemporaryFile()  # noqa: SIM115 (closed by _read, or when the generator is let go)
            run.writelines(b"%d %d %s\n" % (at[0], at[1], orjson.dumps(event)) for at, event in bucket)
            self._runs.setdefault(key, []).append(run)
            bucket.clear()

    def drain(self, through: int) -> Iterator[Event]:
        """Yield every event of the months up to `through` (a month_key), in posting order."""
        for key in sorted(k for k in self._buckets if k <= through):
            bucket = self._buckets.pop(key)
            self._slots = {at: slot for at, slot in self._slots.items() if slot[0] is not bucket}
            bucket.sort(key=_BY_TIME)  # stable: simultaneous events keep the order they were made in
            runs = self._runs.pop(key, [])
            # heapq.merge is stable too: on equal times the earlier run (events made earlier) comes first.
            merged = heapq.merge(*(_read(run) for run in runs), bucket, key=_BY_TIME) if runs else bucket
            for _, event in merged:
                yield event


def _read(run: IO[bytes]) -> Iterator[tuple[tuple[int, int], Event]]:
    """A spilled run's entries, in the order written; the file goes once read."""
    with run:
        run.seek(0)
        for line in run:
            day, minute, body = line.split(b" ", 2)
            yield (int(day), int(minute)), orjson.loads(body)

