"""Typed Python tools: full JSON Schemas from nested type hints, arguments converted into the declared
types, and a mismatch reported to the model as a tool error it can correct."""

from __future__ import annotations

import dataclasses
import enum
from typing import Literal, Optional, TypedDict

import pytest
from tests.engine.engine_helpers import Harness, tool_call

from aixgo_cli.engine.runner import RunParams
from aixgo_cli.schema.json_validation import instance_errors
from aixgo_cli.testing.fake_client import ScriptedClient
from aixgo_cli.tools.python_tool import schema_for
from aixgo_cli.tools.python_types import ConversionError, convert, type_schema


class Priority(enum.Enum):
    LOW = "low"
    HIGH = "high"


@dataclasses.dataclass
class Item:
    """One line of an order."""

    sku: str
    quantity: int = 1


class Address(TypedDict):
    city: str
    zip: str


@dataclasses.dataclass
class Order:
    items: list[Item]
    ship_to: Address
    priority: Priority
    channel: Literal["web", "phone"]
    note: Optional[str] = None  # noqa: UP045 - the spelling under test
    tags: set[str] = dataclasses.field(default_factory=set)


@dataclasses.dataclass
class Node:
    name: str
    children: list[Node] = dataclasses.field(default_factory=list)


def place(order: Order, rush: bool = False) -> str:
    """Place an order."""
    return f"{len(order.items)} items"


def test_nested_types_become_a_full_schema() -> None:
    schema = schema_for(place)
    order = schema["properties"]["order"]
    assert schema["required"] == ["order"]
    assert order["required"] == ["items", "ship_to", "priority", "channel"]
    assert order["additionalProperties"] is False
    item = order["properties"]["items"]["items"]
    assert item == {
        "type": "object",
        "properties": {"sku": {"type": "string"}, "quantity": {"type": "integer"}},
        "required": ["sku"],
        "additionalProperties": False,
        "description": "One line of an order.",
    }
    assert order["properties"]["ship_to"]["required"] == ["city", "zip"]
    assert order["properties"]["priority"] == {"enum": ["low", "high"]}
    assert order["properties"]["channel"] == {"enum": ["web", "phone"]}
    assert order["properties"]["note"] == {"anyOf": [{"type": "string"}, {"type": "null"}]}
    assert order["properties"]["tags"] == {"type": "array", "items": {"type": "string"}, "uniqueItems": True}


def test_a_recursive_type_is_cut_at_its_second_appearance() -> None:
    schema = type_schema(Node)
    assert schema["properties"]["children"] == {"type": "array", "items": {"type": "object"}}


def test_arguments_are_converted_into_the_declared_types() -> None:
    raw = {
        "items": [{"sku": "A-1", "quantity": 2}, {"sku": "B-2"}],
        "ship_to": {"city": "Lyon", "zip": "69001"},
        "priority": "high",
        "channel": "web",
        "tags": ["gift", "fragile"],
    }
    assert not instance_errors(type_schema(Order), raw)
    order = convert(raw, Order, "order")
    assert order == Order(
        items=[Item("A-1", 2), Item("B-2", 1)],
        ship_to={"city": "Lyon", "zip": "69001"},
        priority=Priority.HIGH,
        channel="web",
        tags={"gift", "fragile"},
    )
    with pytest.raises(ConversionError, match=r"order\.priority: 'urgent' is not one of 'low', 'high'"):
        convert({**raw, "priority": "urgent"}, Order, "order")


TOOLS = '''\
import dataclasses


@dataclasses.dataclass
class Item:
    sku: str
    quantity: int = 1

    def __post_init__(self) -> None:
        if self.quantity < 1:
            raise ValueError("quantity must be at least 1")


def reserve(items: list[Item]) -> str:
    """Reserve stock."""
    return ", ".join(f"{type(i).__name__}({i.sku} x{i.quantity})" for i in items)
'''


def test_a_react_agent_gets_typed_arguments_and_reads_mismatches_as_tool_errors(mem: Harness) -> None:
    module = mem.tool_module(TOOLS)
    mem.write(
        f"""\
        version: 1
        name: typed
        tools:
          - {{name: reserve, type: python, callable: {module}:reserve}}
        agents:
          - name: clerk
            role: react
            model: fake/clerk
            tools: [reserve]
        """
    )
    client = ScriptedClient(
        [
            tool_call("reserve", {"items": [{"sku": "A-1", "quantity": "two"}]}, "c1"),
            tool_call("reserve", {"items": [{"sku": "A-1", "quantity": 0}]}, "c2"),
            tool_call("reserve", {"items": [{"sku": "A-1", "quantity": 2}, {"sku": "B-2"}]}, "c3"),
            "done",
        ]
    )
    outcome = mem.start(client, RunParams(input="reserve"))

    assert outcome.status == "completed", outcome.error
    schema_error, build_error, ok = [m.content or "" for m in client.requests[-1].messages if m.role == "tool"]
    assert schema_error.startswith("error: the arguments do not match the tool's schema")
    assert build_error == "error: items[0]: cannot build Item: quantity must be at least 1"
    assert ok == "Item(A-1 x2), Item(B-2 x1)"
