"""What every part of the simulation shares: the program's rates, the output, and cross-farm facts."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from services.generate.emit import Emitter
from services.generate.reference import Rates


@dataclass(slots=True)
class World:
    rates: Rates
    out: Emitter
    rng: random.Random
    start: date
    banned: list[tuple[str, str, date]] = field(default_factory=list)
    """Article I offenders terminated by a farm: (person_id, farm_id, from) — PE-1 bans them everywhere."""
