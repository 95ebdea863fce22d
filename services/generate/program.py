"""`generate`: a whole Milk with Dignity program, month by month, as the senders would post it.

Deterministic: one `random.Random(seed)` makes everything (each farm draws its own generator from it), event
ids included, and nothing reads the clock. Events come out in posting order — by `occurred_at`, ties in
the order they were made — with the program's reference data first. A month is simulated for every farm,
then every event dated up to its end is sorted and yielded; past `emit.HELD` events in memory the months'
events wait on disk as sorted runs (`Emitter.spill_if_full`), and past `GROUP` farms the farms wait there
between months (`Roster`), so neither the events nor the farms held grow with the program.
"""

from __future__ import annotations

import pickle
import random
import tempfile
from collections.abc import Iterator
from datetime import date, timedelta
from typing import IO, Any

from projections.calendar import add_months
from services.generate.audits import audit
from services.generate.calendar import Month, parse_month
from services.generate.complaints import complaint
from services.generate.emit import Emitter, month_key
from services.generate.farm import Farm, drop_separated, emit_enrolment, follow_raise, make_farms, turnover
from services.generate.kin import attach, emit_kin_reference, kin_month
from services.generate.obligations import before_the_sample, education
from services.generate.payroll import run_payroll
from services.generate.premium import remit, report
from services.generate.reference import MDSC, emit_reference, program_rates, published_on
from services.generate.showcase import showcase as scripted
from services.generate.world import World

TAIL = timedelta(days=10)
GROUP = 500
"""Farms simulated and kept together: past one group, farms wait on disk between months (`Roster`)."""


def generate(farms: int, months: int, seed: int, start: str = "2025-01", showcase: bool = False
             ) -> Iterator[dict[str, Any]]:
    """Sender JSON dicts of `farms` farms over `months` months from `start` (YYYY-MM); with `showcase`, a few
    scripted cases that break the rare rules once (services/generate/showcase.py)."""
    if farms < 1 or months < 1:
        raise ValueError("farms and months must be at least 1")
    first = parse_month(start)
    rng = random.Random(seed)
    rates = program_rates(first, months)
    # The last month's second pay period is paid in the following days: keep those lines (and whatever else
    # falls due then), or its hours would be missing and its bonuses would look short.
    world = World(rates, Emitter(add_months(first, months) - timedelta(days=1) + TAIL), rng, first)
    emit_reference(rates, first, published_on(first), rng, world.out)
    emit_kin_reference(first, months, published_on(first), seed, world.out)
    everyone = make_farms(farms, first, months, rng, rates)
    for farm in everyone:
        attach(farm, seed)
    for farm in everyone:
        if farm.enrolled_on < first:
            emit_enrolment(farm, world.out)
            before_the_sample(farm, first, world.out)
            baseline = farm.enrolled_on + timedelta(days=farm.rng.randint(45, 75))
            if baseline < first:  # AU-9: the baseline audit of a farm enrolled before the sample
                audit(farm, world, baseline, "baseline")
        world.out.spill_if_full()
    roster = Roster(everyone, spill=not showcase)
    del everyone
    yield from world.out.drain(month_key(first) - 1)
    for i in range(months):
        month = Month.of(add_months(first, i))
        for farm in roster.each():
            _simulate(farm, world, month)
            world.out.spill_if_full()
        _rehire_banned(world, roster.hosts, month)
        if showcase:
            scripted(world, roster.farms, i, month)
        yield from world.out.drain(month.key)
    yield from world.out.drain(month_key(add_months(first, months)))  # the tail after the last month


def _simulate(farm: Farm, world: World, month: Month) -> None:
    """One farm's month. Nothing made here is dated before the month starts (so finished months can go)."""
    if farm.withdrawn_on or farm.enrolled_on > month.last:
        return
    joined_now = farm.enrolled_on >= month.first
    if joined_now:
        emit_enrolment(farm, world.out)
        audit(farm, world, farm.enrolled_on + timedelta(days=farm.rng.randint(45, 75)), "baseline")
    else:
        turnover(farm, month, world.rates, world.out)
    follow_raise(farm, month, world.rates)
    received = remit(farm, month, world.out)
    report(farm, month, received, world.out)
    run_payroll(farm, month, world.rates, received, world.out)
    kin_month(farm, month, world.out, month.first <= max(farm.enrolled_on, world.start) <= month.last)
    if not joined_now:
        _oversight(farm, world, month)
    _education(farm, world, month)
    drop_separated(farm, month)


def _oversight(farm: Farm, world: World, month: Month) -> None:
    rng = farm.rng
    if rng.random() < 0.06 * farm.sloppy:
        complaint(farm, world, month)
    if month.first.month - 1 == farm.audit_month and farm.enrolled_on <= month.first - timedelta(days=300):
        audit(farm, world, month.day(rng, 3, 26), "annual")
    if rng.random() < 0.0015:
        _withdraw(farm, world, month)


def _withdraw(farm: Farm, world: World, month: Month) -> None:
    """A farm leaving the program at the end of the month; its buyers are unlinked the same day."""
    on = farm.withdrawn_on = month.last
    world.out.emit(farm.rng, "FarmWithdrawn", farm.farm_id, on, 17 * 60, MDSC, {"on": on.isoformat()})
    for buyer in farm.buyers:
        world.out.emit(farm.rng, "BuyerUnlinked", farm.farm_id, on, 17 * 60 + 5, MDSC,
                       {"buyer_id": buyer, "on": on.isoformat()})


def _education(farm: Farm, world: World, month: Month) -> None:
    education(farm, month, world.out)


def _rehire_banned(world: World, everyone: list[Host], month: Month) -> None:
    """Now and then a banned Article I offender is hired by another farm (PE-1 catches it)."""
    for person_id, farm_id, since in list(world.banned):
        if since >= month.first or world.rng.random() >= 0.05:
            continue
        hosts = [f for f in everyone if f[0] != farm_id and f[1] < month.first and not f[2]]
        if hosts:
            host = world.rng.choice(hosts)
            on = month.day(world.rng)
            world.out.emit(world.rng, "PersonnelHired", host[0], on, 8 * 60, ("farm", host[0]),
                           {"person_id": person_id, "role": "milker", "on": on.isoformat()})
            world.banned.remove((person_id, farm_id, since))


Host = tuple[str, date, date | None]
"""What another farm needs to know of a farm: (farm_id, enrolled_on, withdrawn_on)."""


class Roster:
    """The farms in simulation order. With `spill` and more than one `GROUP`, they wait on disk between months,
    pickled a group to a temporary file, so the farms held do not grow with the program (a farm and its
    workers are ~20 KB: 500 MB at 25,000 farms). Pickling keeps each farm's generators' state exactly, so the
    program is the same."""

    def __init__(self, farms: list[Farm], spill: bool) -> None:
        self.hosts: list[Host] = [(f.farm_id, f.enrolled_on, f.withdrawn_on) for f in farms]
        self._groups: list[IO[bytes]] | None = None
        self._farms = farms
        if spill and len(farms) > GROUP:
            self._groups = []
            for i in range(0, len(farms), GROUP):
                group = tempfile.TemporaryFile()  # noqa: SIM115 (closed with the roster)
                pickle.dump(farms[i: i + GROUP], group, pickle.HIGHEST_PROTOCOL)
                self._groups.append(group)
            self._farms = []

    @property
    def farms(self) -> list[Farm]:
        if self._groups is not None:
            raise RuntimeError("the farms are on disk: iterate `each()`")
        return self._farms

    def each(self) -> Iterator[Farm]:
        """Every farm, in order; what a caller changes on a farm is kept (written back with its group)."""
        if self._groups is None:
            for n, farm in enumerate(self._farms):
                yield farm
                self.hosts[n] = (farm.farm_id, farm.enrolled_on, farm.withdrawn_on)
            return
        n = 0
        for group in self._groups:
            group.seek(0)
            farms: list[Farm] = pickle.load(group)
            for farm in farms:
                yield farm
                self.hosts[n] = (farm.farm_id, farm.enrolled_on, farm.withdrawn_on)
                n += 1
            group.seek(0)
            group.truncate()
            pickle.dump(farms, group, pickle.HIGHEST_PROTOCOL)
