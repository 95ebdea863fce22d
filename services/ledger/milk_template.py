"""The milk purchase template (BP-1): the lines of a processor's or cooperative's monthly purchase report,
one per farm (producer), buyer and month: who bought, from which farm, the month, the milk (in pounds or
in hundredweight; cwt = pounds ÷ 100), through whom, and the report's own line or ticket number.

The event id is derived from the buyer, the farm and the line number (so a resend is a duplicate), keyed
with the ledger's id secret like every template row; the line number becomes `purchase_id`, so the same
line posted twice counts once.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from events.types import period_of
from projections.calendar import month_bounds
from services.ledger.templates import Farms, Row, Template


def _milk(row: Row, farms: Farms) -> dict[str, Any]:
    farm = farms.check(row)
    buyer, reference = row.required("buyer"), row.required("reference")
    sales = row.period("sales_period")
    assert sales is not None
    if sales > period_of(farms.today(farm)):
        raise row.reject("sales_period", f"{sales} is in the future")
    pounds, cwt = row.cells.get("pounds", "").strip(), row.cells.get("cwt", "").strip()
    if bool(pounds) == bool(cwt):
        raise row.reject("cwt", "give the milk in pounds or in cwt (one of the two)")
    if pounds:
        amount = row.decimal("pounds", 10, 2, "a weight in pounds")
    else:
        amount = row.decimal("cwt", 8, 6, "hundredweights")
    hundredweight = str(Decimal(amount) / 100) if pounds else amount
    via = row.text("via", required=False)
    on = min(month_bounds(sales)[1], farms.today(farm))  # the month's purchases, known at its end
    return {
        "event_id": farms.row_id(f"cooperative:{via or buyer}", f"MilkPurchased/{buyer}/{farm}/{reference}"),
        "type": "MilkPurchased", "farm_id": farm, "occurred_at": farms.midnight(farm, on),
        "actor": {"role": "cooperative", "id": via or buyer},
        "data": {"buyer_id": buyer, "sales_period": sales, "cwt": hundredweight, "via": via,
                 "purchase_id": f"{buyer}/{reference}"},
    }


MILK = Template(
    columns=("buyer", "farm", "sales_period", "pounds", "cwt", "via", "reference"),
    required=frozenset({"buyer", "farm", "sales_period", "reference"}),
    aliases={"processor": "buyer", "participating_buyer": "buyer", "buyer_id": "buyer", "producer": "farm",
             "farm_id": "farm", "producer_id": "farm", "month": "sales_period", "period": "sales_period",
             "pounds_shipped": "pounds", "lbs": "pounds", "total_pounds": "pounds", "hundredweight": "cwt",
             "cooperative": "via", "handler": "via", "line": "reference", "ticket": "reference",
             "line_number": "reference", "report_line": "reference"},
    fields={"farm_id": "farm", "data.buyer_id": "buyer", "data.sales_period": "sales_period", "data.cwt": "cwt",
            "data.via": "via", "data.purchase_id": "reference"},
    build=_milk,
)
