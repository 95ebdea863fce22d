"""Inline SVG for the farm page: the timeline and the pass-through chart. No script, no external asset:
the page prints and screenshots as it is, and every mark carries a <title> (a tooltip, read aloud)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal

from markupsafe import Markup, escape

from events.types import period_of
from projections.calendar import add_months
from services.dashboard.timeline import LANE_TITLES, LANES, Timeline
from services.ledger.months import Month

LEFT, RIGHT, TOP = 170, 30, 24
LANE_H = {"standing": 34, "conduct": 40, "membership": 28, "pay": 28, "deadlines": 40}
STANDING_COLOURS = {"good_standing": "#2e8540", "probation": "#e0a800", "suspended": "#c0392b",
                    "withdrawn": "#7f8c8d"}
EVENT_COLOURS = {"conduct": "#5b2c83", "membership": "#1f6fb2", "pay": "#7a8b99"}
DEADLINE_COLOURS = {"met": "#2e8540", "missed": "#c0392b", "open": "#1f6fb2"}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _t(text: str) -> str:
    return str(escape(text))


def _month_label(period: str) -> str:
    return f"{_MONTHS[int(period[5:7]) - 1]} {period[2:4]}"


class _Scale:
    def __init__(self, start: date, end: date, width: int) -> None:
        self.start, self.days, self.plot = start, max(1, (end - start).days), width - LEFT - RIGHT

    def x(self, day: date) -> float:
        return round(LEFT + (day - self.start).days / self.days * self.plot, 1)


def timeline_svg(t: Timeline, width: int = 1100) -> Markup:
    scale = _Scale(t.start, t.end, width)
    lanes = ("standing", *LANES)
    tops, y = {}, TOP
    for lane in lanes:
        tops[lane] = y
        y += LANE_H[lane] + 6
    height = y + 22
    out = [f'<svg class="timeline" viewBox="0 0 {width} {height}" width="100%" role="img" '
           f'aria-label="Timeline from {t.start} to {t.end}" xmlns="http://www.w3.org/2000/svg">',
           '<defs><pattern id="stayed" width="8" height="8" patternUnits="userSpaceOnUse" '
           'patternTransform="rotate(45)"><rect width="8" height="8" fill="#2e8540"/>'
           '<line x1="0" y1="0" x2="0" y2="8" stroke="#c0392b" stroke-width="4"/></pattern></defs>']
    out += _grid(scale, t, TOP - 6, y)
    for lane in lanes:
        title = "standing" if lane == "standing" else LANE_TITLES[lane]
        out.append(f'<text class="lane" x="{LEFT - 8}" y="{tops[lane] + LANE_H[lane] / 2 + 4}" '
                   f'text-anchor="end">{_t(title)}</text>')
        out.append(f'<line x1="{LEFT}" x2="{width - RIGHT}" y1="{tops[lane] + LANE_H[lane] / 2}" '
                   f'y2="{tops[lane] + LANE_H[lane] / 2}" stroke="#ddd"/>')
    for band in t.bands:
        x0, x1 = scale.x(band.start), scale.x(band.end)
        fill = "url(#stayed)" if band.stayed else STANDING_COLOURS.get(band.standing, "#999")
        out.append(f'<rect class="band band-{band.standing}" x="{x0}" y="{tops["standing"]}" '
                   f'width="{max(1.5, x1 - x0)}" height="{LANE_H["standing"]}" fill="{fill}">'
                   f'<title>{_t(band.label)}</title></rect>')
    for mark in t.marks:
        out.append(_mark(scale, mark.lane, mark.kind, mark.label, mark.count, mark.on,
                         tops[mark.lane] + LANE_H[mark.lane] / 2))
    as_of = scale.x(t.as_of)
    out.append(f'<line class="as-of" x1="{as_of}" x2="{as_of}" y1="{TOP - 8}" y2="{y}" stroke="#222" '
               f'stroke-dasharray="4 3"><title>as of {t.as_of}</title></line>')
    anchor = "end" if as_of > width - RIGHT - 60 else "middle"
    out.append(f'<text x="{as_of}" y="{TOP - 12}" text-anchor="{anchor}" class="axis">as of {t.as_of}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def _grid(scale: _Scale, t: Timeline, top: float, bottom: float) -> list[str]:
    out = []
    months = max(1, (t.end - t.start).days // 30)
    step = 1 if months <= 14 else 3 if months <= 40 else 12
    day = date(t.start.year, t.start.month, 1)
    while day <= t.end:
        if day >= t.start and (day.month - 1) % step == 0:
            x = scale.x(day)
            out.append(f'<line x1="{x}" x2="{x}" y1="{top}" y2="{bottom}" stroke="#eee"/>')
            out.append(f'<text class="axis" x="{x}" y="{bottom + 14}" text-anchor="middle">'
                       f'{_month_label(period_of(day))}</text>')
        day = add_months(day, 1)
    return out


def _mark(scale: _Scale, lane: str, kind: str, label: str, count: int, on: date, y: float) -> str:
    x = scale.x(on)
    r = 3.5 if count == 1 else min(8.0, 3.5 + count ** 0.5)
    title = f"<title>{_t(on.isoformat() + ': ' + label)}</title>"
    if lane != "deadlines":
        colour = EVENT_COLOURS[lane]
        return (f'<circle class="mark mark-{lane}" data-type="{_t(kind)}" cx="{x}" cy="{y}" r="{r}" '
                f'fill="{colour}" fill-opacity="0.75">{title}</circle>')
    colour = DEADLINE_COLOURS.get(kind, "#555")
    if kind == "missed":
        d = r + 1.5
        return (f'<path class="deadline deadline-missed" d="M{x - d},{y - d}L{x + d},{y + d}M{x - d},{y + d}'
                f'L{x + d},{y - d}" stroke="{colour}" stroke-width="2.5">{title}</path>')
    fill = colour if kind == "met" else "white"
    return (f'<circle class="deadline deadline-{_t(kind)}" cx="{x}" cy="{y}" r="{r}" fill="{fill}" '
            f'fill-opacity="0.6" stroke="{colour}">{title}</circle>')


def _money(value: Decimal) -> str:
    return f"${value:,.0f}"


def money_grid(top: Decimal, y: Callable[[Decimal], float], width: int) -> list[str]:
    """Six dollar gridlines from 0 to `top`, labelled on the left axis (the premium and pass-through charts)."""
    return [f'<line x1="{LEFT}" x2="{width - RIGHT}" y1="{y(v)}" y2="{y(v)}" stroke="#eee"/>'
            f'<text class="axis" x="{LEFT - 8}" y="{y(v) + 4}" text-anchor="end">{_money(v)}</text>'
            for v in (top * i / 5 for i in range(6))]


def _nice(top: Decimal) -> Decimal:
    """A round axis maximum at or above `top` (1, 2 or 5 times a power of ten)."""
    if top <= 0:
        return Decimal(100)
    magnitude = Decimal(10) ** (len(str(int(top))) - 1)
    for step in (1, 2, 5, 10):
        if step * magnitude >= top:
            return step * magnitude
    return 10 * magnitude


def passthrough_svg(months: Sequence[Month], width: int = 1100, height: int = 280) -> Markup:
    if not any(m.premium or m.paid or m.pool is None for m in months):
        return Markup('<p class="empty">No premium received and no bonus paid yet.</p>')
    bottom, plot_h = height - 36, height - 36 - TOP
    top = _nice(max([m.pool or Decimal(0) for m in months] + [m.paid for m in months]))
    slot = (width - LEFT - RIGHT) / len(months)
    bar = max(3.0, min(28.0, slot * 0.36))

    def y(v: Decimal) -> float:
        return round(bottom - float(v / top) * plot_h, 1)

    out = [f'<svg class="passthrough" viewBox="0 0 {width} {height}" width="100%" role="img" '
           f'aria-label="Pass-through per premium month: pool against paid" xmlns="http://www.w3.org/2000/svg">']
    out += money_grid(top, y, width)
    every = 1 if len(months) <= 18 else 3
    for i, m in enumerate(months):
        cx = LEFT + slot * (i + 0.5)
        if i % every == 0:
            out.append(f'<text class="axis" x="{cx}" y="{bottom + 16}" text-anchor="middle">'
                       f'{_month_label(m.period)}</text>')
        if m.pool is None:
            out.append(f'<text class="norate" x="{cx}" y="{bottom - 6}" text-anchor="middle">no rate'
                       f'<title>{_t(m.period + ": " + m.note)}</title></text>')
            continue
        out.append(_bar("pool", cx - bar - 1, y(m.pool), bar, bottom,
                        f"{m.period}: pool {m.pool} of premium {m.premium}"))
        out.append(_bar("paid", cx + 1, y(m.paid), bar, bottom, f"{m.period}: paid {m.paid}"))
        if m.shortfall > 0:
            out.append(f'<text class="shortfall" x="{cx}" y="{min(y(m.pool), y(m.paid)) - 4}" '
                       f'text-anchor="middle">▼<title>{_t(f"{m.period}: shortfall {m.shortfall} (PT-4)")}'
                       f'</title></text>')
    out.append(f'<line x1="{LEFT}" x2="{width - RIGHT}" y1="{bottom}" y2="{bottom}" stroke="#999"/></svg>')
    return Markup("".join(out))


def _bar(kind: str, x: float, y: float, w: float, bottom: float, title: str) -> str:
    colour = "#1f6fb2" if kind == "pool" else "#2e8540"
    return (f'<rect class="bar bar-{kind}" x="{round(x, 1)}" y="{y}" width="{round(w, 1)}" '
            f'height="{max(0.0, round(bottom - y, 1))}" fill="{colour}"><title>{_t(title)}</title></rect>')
