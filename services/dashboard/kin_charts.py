"""Inline SVG for the kin pages: a farm's risk score as a stacked bar of its parts (RK-1), a buyer's hotspots
as a Pareto chart (RK-2) and its premium owed against remitted per month (BP-1). Like charts.py: no script,
every mark has a <title>."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from markupsafe import Markup, escape

from services.dashboard.charts import LEFT, RIGHT, TOP, _month_label, _nice, money_grid

PART_COLOURS = ("#1f6fb2", "#4f93cf", "#7fb3e0", "#a9cdef", "#2b5d8a", "#5f7fa8", "#8ea6c4", "#b7c8dc")
IN_PRACTICE = "#e07b00"
LEVEL_COLOURS = {"low": "#2e8540", "medium": "#e0a800", "high": "#c0392b", "very_high": "#7b1d12"}


def _t(text: object) -> str:
    return str(escape(str(text)))


def risk_bars_svg(risk: dict[str, Any], width: int = 1100) -> Markup:
    """One bar per theme on a 0-10 axis: each indicator's part of the structural score, then the risk in
    practice; the 3.3 and 6.7 thresholds are drawn across."""
    themes = ("forced_labor", "child_labor")
    row_h, height = 46, TOP + 2 * 46 + 40
    plot = width - LEFT - RIGHT

    def x(v: Decimal) -> float:
        return round(LEFT + float(v) / 10 * plot, 1)

    out = [f'<svg class="risk" viewBox="0 0 {width} {height}" width="100%" role="img" '
           f'aria-label="Risk score parts per theme" xmlns="http://www.w3.org/2000/svg">']
    for tick in range(11):
        out.append(f'<line x1="{x(Decimal(tick))}" x2="{x(Decimal(tick))}" y1="{TOP - 4}" y2="{height - 30}" '
                   f'stroke="#eee"/><text class="axis" x="{x(Decimal(tick))}" y="{height - 16}" '
                   f'text-anchor="middle">{tick}</text>')
    for i, theme in enumerate(themes):
        t = risk[theme]
        y = TOP + i * row_h
        out.append(f'<text class="lane" x="{LEFT - 8}" y="{y + 20}" text-anchor="end">{_t(theme.replace("_", " "))}'
                   f'</text>')
        start = Decimal(0)
        for n, ind in enumerate(t["indicators"]):
            part = Decimal(ind["part"])
            out.append(_segment(f"part part-{theme}", x(start), x(start + part), y, PART_COLOURS[n % 8],
                                f"{ind['indicator']}: {ind['part']} (raw {ind['raw']} × weight {ind['weight']} × 10"
                                f"{', inverse' if ind['inverse'] else ''})"))
            start += part
        practice = Decimal(t["in_practice"])
        out.append(_segment(f"part part-{theme} in-practice", x(start), x(start + practice), y, IN_PRACTICE,
                            f"risk in practice: {t['in_practice']} ({t['answered']} points of "
                            f"{'11' if theme == 'forced_labor' else '10'}, × 6)"))
        level = t["level"] or "unknown"
        out.append(f'<text class="level level-{_t(level)}" x="{x(start + practice) + 8}" y="{y + 20}" '
                   f'fill="{LEVEL_COLOURS.get(level, "#555")}">{_t(t["score"] or "no indicators")} · '
                   f'{_t(level.replace("_", " "))}</text>')
    for threshold in ("3.3", "6.7"):
        out.append(f'<line class="threshold" x1="{x(Decimal(threshold))}" x2="{x(Decimal(threshold))}" '
                   f'y1="{TOP - 8}" y2="{height - 30}" stroke="#222" stroke-dasharray="4 3">'
                   f'<title>threshold {threshold}</title></line>')
    out.append("</svg>")
    return Markup("".join(out))


def _segment(cls: str, x0: float, x1: float, y: float, colour: str, title: str) -> str:
    return (f'<rect class="{cls}" x="{x0}" y="{y}" width="{max(0.0, round(x1 - x0, 1))}" height="30" '
            f'fill="{colour}"><title>{_t(title)}</title></rect>')


def pareto_svg(hotspots: Sequence[dict[str, Any]], width: int = 1100, height: int = 300) -> Markup:
    """Bars: each farm's mrh-eq, largest first; line: the cumulative share (right axis, 0-100 %)."""
    if not hotspots or not any(Decimal(h["mrh_eq"]) for h in hotspots):
        return Markup('<p class="empty">No risk hours in this period.</p>')
    bottom, plot_h = height - 40, height - 40 - TOP
    top = _nice(max(Decimal(h["mrh_eq"]) for h in hotspots))
    slot = (width - LEFT - RIGHT) / len(hotspots)
    bar = max(3.0, min(40.0, slot * 0.6))
    out = [f'<svg class="pareto" viewBox="0 0 {width} {height}" width="100%" role="img" '
           f'aria-label="Hotspots: risk hours per farm with cumulative share" xmlns="http://www.w3.org/2000/svg">']
    for i in range(6):
        v = top * i / 5
        yy = round(bottom - float(v / top) * plot_h, 1)
        out.append(f'<line x1="{LEFT}" x2="{width - RIGHT}" y1="{yy}" y2="{yy}" stroke="#eee"/>'
                   f'<text class="axis" x="{LEFT - 8}" y="{yy + 4}" text-anchor="end">{v:,.0f}</text>'
                   f'<text class="axis" x="{width - RIGHT + 4}" y="{yy + 4}">{i * 20}%</text>')
    points = []
    for i, h in enumerate(hotspots):
        cx = LEFT + slot * (i + 0.5)
        value = Decimal(h["mrh_eq"])
        yy = round(bottom - float(value / top) * plot_h, 1)
        out.append(f'<rect class="hotspot" x="{round(cx - bar / 2, 1)}" y="{yy}" width="{round(bar, 1)}" '
                   f'height="{round(bottom - yy, 1)}" fill="{LEVEL_COLOURS.get(h["level"], "#1f6fb2")}">'
                   f'<title>{_t(h["farm_id"])}: {_t(h["mrh_eq"])} mrh-eq ({_t(h["level"])}), share {_t(h["share"])}'
                   f'</title></rect>')
        if len(hotspots) <= 24:
            out.append(f'<text class="axis" x="{cx}" y="{bottom + 14}" text-anchor="middle">{_t(h["farm_id"][-5:])}'
                       f'</text>')
        points.append(f"{round(cx, 1)},{round(bottom - float(Decimal(h['cumulative_share'])) * plot_h, 1)}")
    out.append(f'<polyline class="cumulative" points="{" ".join(points)}" fill="none" stroke="#222" '
               f'stroke-width="2"><title>cumulative share</title></polyline>')
    out.append(f'<line x1="{LEFT}" x2="{width - RIGHT}" y1="{bottom}" y2="{bottom}" stroke="#999"/></svg>')
    return Markup("".join(out))


def premium_svg(months: Sequence[dict[str, Any]], width: int = 1100, height: int = 260) -> Markup:
    """Per sales month, the premium owed beside the premium remitted (all the buyer's farms)."""
    if not months:
        return Markup('<p class="empty">No milk purchases recorded for this buyer.</p>')
    bottom, plot_h = height - 36, height - 36 - TOP
    top = _nice(max(max(m["owed"], m["remitted"]) for m in months))
    slot = (width - LEFT - RIGHT) / len(months)
    bar = max(3.0, min(28.0, slot * 0.36))

    def y(v: Decimal) -> float:
        return round(bottom - float(v / top) * plot_h, 1)

    out = [f'<svg class="premium" viewBox="0 0 {width} {height}" width="100%" role="img" '
           f'aria-label="Premium owed against remitted per month" xmlns="http://www.w3.org/2000/svg">']
    out += money_grid(top, y, width)
    for i, m in enumerate(months):
        cx = LEFT + slot * (i + 0.5)
        out.append(f'<text class="axis" x="{cx}" y="{bottom + 16}" text-anchor="middle">{_month_label(m["period"])}'
                   f'</text>')
        for kind, x0, colour in (("owed", cx - bar - 1, "#1f6fb2"), ("remitted", cx + 1, "#2e8540")):
            out.append(f'<rect class="bar bar-{kind}" x="{round(x0, 1)}" y="{y(m[kind])}" width="{round(bar, 1)}" '
                       f'height="{max(0.0, round(bottom - y(m[kind]), 1))}" fill="{colour}">'
                       f'<title>{_t(m["period"])}: {kind} {_t(m[kind])}</title></rect>')
        if m["short"]:
            out.append(f'<text class="shortfall" x="{cx}" y="{min(y(m["owed"]), y(m["remitted"])) - 4}" '
                       f'text-anchor="middle">▼<title>{_t(m["period"])}: {m["short"]} farm(s) underpaid (BP-1)'
                       f'</title></text>')
    out.append(f'<line x1="{LEFT}" x2="{width - RIGHT}" y1="{bottom}" y2="{bottom}" stroke="#999"/></svg>')
    return Markup("".join(out))
