"""Invented names: farms, cooperatives, buyers and complainants. None of them is a real party."""

from __future__ import annotations

import random
import unicodedata

COOPERATIVES = ("coop-green-mountain", "coop-champlain-valley", "coop-hudson-highlands", "coop-north-country")
BUYERS = (
    "buyer-maple-creamery", "buyer-lakeside-ice-cream", "buyer-two-rivers-yogurt",
    "buyer-summit-cheese", "buyer-valley-dairy-foods", "buyer-harvest-moon-butter",
)
BUYER_RATE = dict(zip(BUYERS, (24, 26, 22, 28, 25, 23), strict=True))  # premium, cents per cwt
CONTRACTORS = ("flc-green-valley", "flc-northern-crews", "flc-border-staffing", "flc-quick-hands")
"""Invented farm labour contractors: certified; licensed only; licence lapsing mid-run, decertified, charging
fees; never registered, charging fees."""

_FAMILIES = (
    "Ainsworth", "Belanger", "Chamberlin", "Desrochers", "Emery", "Fournier", "Gingras", "Hathaway",
    "Ingalls", "Jerome", "Kittredge", "Lafleur", "Magnan", "Noyes", "Ordway", "Perrault", "Quimby",
    "Rainville", "Sabourin", "Tatro", "Upham", "Vachon", "Wheelock", "Yandow",
)
_PLACES = (
    "Brook", "Ridge", "Hollow", "Meadow", "Hill", "Valley", "Maple", "Birch", "Cedar", "Clover",
    "Stone", "River", "Pine", "Spring", "Willow", "Notch",
)
_KINDS = ("Farm", "Dairy", "Family Farm", "Acres", "Homestead")
_FIRST = (
    "Ana", "José", "María", "Luis", "Rosa", "Carlos", "Juana", "Miguel", "Elena", "Pedro",
    "Lucía", "Jorge", "Marta", "Víctor", "Sofía", "Raúl", "Teresa", "Andrés", "Isabel", "Diego",
)
_LAST = (
    "López", "Hernández", "García", "Martínez", "Pérez", "Gómez", "Cruz", "Ramírez", "Torres",
    "Morales", "Vásquez", "Reyes", "Jiménez", "Flores", "Mendoza", "Castillo",
)


def farm_name(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"{rng.choice(_FAMILIES)} {rng.choice(_KINDS)}"
    return f"{rng.choice(_PLACES)} {rng.choice(_PLACES)} {rng.choice(_KINDS)}"


def complainant(rng: random.Random) -> dict[str, str]:
    """A fake person as a sender posts one: the ledger seals it before it is stored."""
    name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
    if rng.random() < 0.7:
        contact = f"+1-802-555-01{rng.randrange(100):02d}"  # 555-0100..0199 is reserved for fiction
    else:
        first = unicodedata.normalize("NFKD", name.split()[0]).encode("ascii", "ignore").decode().lower()
        contact = f"{first}{rng.randrange(1000)}@example.org"
    return {"name": name, "contact": contact}
