"""The order look-up tool of workflows/react-text-tools.yaml.

A tool is an ordinary typed function: aixgo builds its JSON Schema from the type hints and its
description from the first paragraph of the docstring. This one only reads, so the workflow declares it
`idempotent: true`: if aixgo is killed in the middle of a call, `aixgo resume` may simply call it again.
The orders are a fixed table so the example gives the same answers everywhere.
"""

from __future__ import annotations

from typing import Any

ORDERS: dict[str, dict[str, Any]] = {
    "A-1001": {"status": "delivered", "carrier": "DHL", "delivered_on": "2026-03-02", "items": ["desk lamp"]},
    "A-1002": {
        "status": "delayed",
        "carrier": "UPS",
        "shipped_on": "2026-03-04",
        "estimated_delivery": "2026-03-14",
        "note": "held at the regional depot after a storm; moving again since 2026-03-11",
        "items": ["office chair"],
    },
    "A-1003": {"status": "processing", "items": ["standing desk", "cable tray"]},
}


def lookup_order(order_id: str) -> dict[str, Any]:
    """Look up an order by its id (for example A-1002): status, carrier, dates and items.

    Unknown ids give {"found": false} rather than an error, so the model can tell the customer.
    """
    key = order_id.strip().upper()
    order = ORDERS.get(key)
    if order is None:
        return {"order_id": key, "found": False}
    return {"order_id": key, "found": True, **order}
