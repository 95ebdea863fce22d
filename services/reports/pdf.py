"""The compliance report as PDF, with reportlab (docs/decisions.md): text and tables with platypus, the
charts with reportlab.graphics, so the PDF needs no browser, no image library and no font beyond the
standard Helvetica. The numbers are the report's (services/reports/compliance.py), nothing recomputed here.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from services.reports.compliance import Report

STANDING_COLOURS = {"good_standing": colors.HexColor("#2e8540"), "probation": colors.HexColor("#e0a800"),
                    "suspended": colors.HexColor("#c0392b"), "withdrawn": colors.HexColor("#7f8c8d")}
POOL, PAID, MISSED = colors.HexColor("#1f6fb2"), colors.HexColor("#2e8540"), colors.HexColor("#c0392b")
WIDTH = A4[0] - 36 * mm
_STYLES = getSampleStyleSheet()
BODY = ParagraphStyle("body", parent=_STYLES["BodyText"], fontSize=9, leading=12)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8, leading=10, textColor=colors.HexColor("#5f6b77"))
H1, H2 = _STYLES["Heading1"], ParagraphStyle("h2", parent=_STYLES["Heading2"], fontSize=12, spaceBefore=10)


def render(report: Report) -> bytes:
    out = io.BytesIO()
    name = report.member.get("name") or report.farm_id
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=f"Compliance report {report.farm_id} {report.period}",
                            author="Dignity Ledger", subject="Milk with Dignity compliance report")
    story: list[Flowable] = [
        Paragraph(f"Compliance report: {_t(name)}", H1),
        Paragraph(f"{_t(report.farm_id)} · period {report.period} · as of {report.as_of.isoformat()}", SMALL),
        Spacer(1, 6), _facts(report), *_standing(report), *_passthrough(report), *_deadlines(report),
        *_findings(report),
    ]
    if report.not_evaluated:
        story += [Paragraph("Not evaluated (a rate the program has not set)", H2),
                  *[Paragraph(_t(e), BODY) for e in report.not_evaluated]]
    story.append(Spacer(1, 10))
    story.append(Paragraph("Every figure is the ledger's answer (dignity standing, passthrough, deadlines, "
                           "findings) as of the date above.", SMALL))
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return out.getvalue()


def _t(value: Any) -> str:
    return escape(str(value))


def _footer(canvas: Any, doc: Any) -> None:
    canvas.saveState()
    canvas.setFont("Helvetica", 7)
    canvas.setFillColor(colors.grey)
    canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"page {doc.page}")
    canvas.restoreState()


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float] | None = None,
           numeric: Sequence[int] = ()) -> Table:
    data = [list(header)] + [[Paragraph(_t(c), BODY) if isinstance(c, str) and len(c) > 30 else _t(c)
                              for c in row] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    style = [("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8), ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
             ("TEXTCOLOR", (0, 0), (-1, 0), colors.HexColor("#5f6b77")),
             ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#e3e7eb")), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    style += [("ALIGN", (c, 0), (c, -1), "RIGHT") for c in numeric]
    table.setStyle(TableStyle(style))
    return table


def _facts(report: Report) -> Table:
    m, s = report.member, report.standing
    standing = (s.get("standing") or "not enrolled").replace("_", " ") + (" (suspension stayed)" if s.get("stayed")
                                                                         else "")
    rows = [("Owner", m.get("owner_id", "")), ("Jurisdiction", m.get("jurisdiction", "")),
            ("Enrolled", m.get("enrolled_on", "")), ("Buyers", ", ".join(m.get("buyers", {})) or "—"),
            ("Cooperatives", ", ".join(m.get("cooperatives", [])) or "—"),
            ("Standing at the end", f"{standing} since {s.get('since')}"),
            ("Suspensions so far", s.get("suspension_count", 0))]
    return _table(("", ""), rows, (45 * mm, WIDTH - 45 * mm))


def _standing(report: Report) -> list[Flowable]:
    out: list[Flowable] = [Paragraph("Standing", H2), _standing_chart(report)]
    if report.changes:
        out.append(_table(("On", "Standing", "Why", "Until"), [
            (c["on"], c["standing"].replace("_", " ") + (" (stayed)" if c["stayed"] else ""),
             f"{c['kind'].replace('_', ' ')} {c['rule']} {c['subject_id']}".strip(), c["until"] or "")
            for c in report.changes], (25 * mm, 35 * mm, WIDTH - 85 * mm, 25 * mm)))
    else:
        out.append(Paragraph("No change of standing in the period.", BODY))
    return out


def _standing_chart(report: Report) -> Drawing:
    """One band per standing over the period: what it was at the start, then each change."""
    start, end = report.period.start, min(report.period.end, report.as_of)
    height, left = 34, 0
    d = Drawing(WIDTH, height + 14)
    span = max(1, (end - start).days + 1)

    def x(day: date) -> float:
        return left + (min(max(day, start), end) - start).days / span * WIDTH

    current = (report.at_start["standing"] or "good_standing", bool(report.at_start["stayed"]))
    cursor = start
    for c in report.changes:
        on = date.fromisoformat(c["on"])
        d.add(Rect(x(cursor), 14, max(1.0, x(on) - x(cursor)), height - 14, fillColor=_band(current),
                   strokeColor=None))
        cursor, current = on, (c["standing"], c["stayed"])
    d.add(Rect(x(cursor), 14, max(1.0, WIDTH - x(cursor)), height - 14, fillColor=_band(current), strokeColor=None))
    d.add(String(0, 2, start.isoformat(), fontSize=7, fillColor=colors.grey))
    d.add(String(WIDTH, 2, end.isoformat(), fontSize=7, fillColor=colors.grey, textAnchor="end"))
    return d


def _band(standing: tuple[str, bool]) -> Any:
    return STANDING_COLOURS["good_standing"] if standing[1] else STANDING_COLOURS.get(standing[0], colors.grey)


def _passthrough(report: Report) -> list[Flowable]:
    out: list[Flowable] = [Paragraph("Pass-through per premium month", H2)]
    if not report.months:
        return [*out, Paragraph("No premium month in the period.", BODY)]
    out.append(_bars([m.period for m in report.months],
                     [("workers' pool", POOL, [m.pool or Decimal(0) for m in report.months]),
                      ("bonus paid", PAID, [m.paid for m in report.months])]))
    out.append(_table(("Month", "Premium", "Pool", "Paid", "Shortfall (PT-4)"), [
        (m.period, m.premium, m.pool if m.pool is not None else "no rate", m.paid, m.shortfall or "")
        for m in report.months], numeric=(1, 2, 3, 4)))
    return out


def _bars(categories: list[str], series: list[tuple[str, Any, list[Decimal]]], height: float = 150) -> Drawing:
    d = Drawing(WIDTH, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 30, WIDTH - 150, height - 45
    chart.data = [[float(v) for v in values] for _, _, values in series]  # drawing coordinates only
    chart.categoryAxis.categoryNames = categories
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 30 if len(categories) > 8 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(categories) > 8 else "n"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.barSpacing, chart.groupSpacing = 1, 6
    for i, (_, colour, _) in enumerate(series):
        chart.bars[i].fillColor, chart.bars[i].strokeColor = colour, None
    d.add(chart)
    legend = Legend()
    legend.x, legend.y, legend.fontSize, legend.alignment = WIDTH - 100, height - 20, 7, "right"
    legend.colorNamePairs = [(colour, name) for name, colour, _ in series]
    d.add(legend)
    return d


def _deadlines(report: Report) -> list[Flowable]:
    per_rule = report.per_rule()
    met = sum(r["met"] for r in per_rule)
    out: list[Flowable] = [Paragraph("Deadlines due in the period", H2),
                           Paragraph(f"{met} met · {len(report.missed)} missed · "
                                     f"{sum(r['open'] for r in per_rule)} still open", BODY)]
    if not per_rule:
        return out
    out.append(_bars([r["rule"] for r in per_rule], [("met", PAID, [Decimal(r["met"]) for r in per_rule]),
                                                      ("missed", MISSED, [Decimal(r["missed"]) for r in per_rule])],
                     height=130))
    out.append(_table(("Rule", "Met", "Missed", "Open"), [(r["rule"], r["met"], r["missed"], r["open"])
                                                          for r in per_rule], numeric=(1, 2, 3)))
    if report.missed:
        out.append(Paragraph("Missed", H2))
        out.append(_table(("Rule", "Subject", "Due", "Met on"), [
            (d["rule"], d["subject_id"], d["due"], d["met_on"] or "not met") for d in report.missed]))
    return out


def _findings(report: Report) -> list[Flowable]:
    out: list[Flowable] = [Paragraph(f"Findings in the period ({len(report.findings)})", H2)]
    if not report.findings:
        return [*out, Paragraph("No findings.", BODY)]
    out.append(_table(("Rule", "Subject", "On", "Detail"), [
        (f["rule"], f["subject_id"], f["on"], ", ".join(f"{k}={v}" for k, v in (f.get("detail") or {}).items()))
        for f in report.findings], (18 * mm, 40 * mm, 22 * mm, WIDTH - 80 * mm)))
    return out
