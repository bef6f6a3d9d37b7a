"""The API request schemas in contracts/ and the services' models accept the same bodies.

The schemas are what clients and the fuzzer read (through the OpenAPI documents); the
pydantic models are what the services enforce. For each body, both must agree.
"""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from entrega_contracts.schemas import violations
from intake.models import ProgressRequest
from inventory.models import StockSetting
from notifications.models import Preferences

CASES: list[tuple[str, type[BaseModel], dict, bool]] = [
    ("api/progress-request.v1", ProgressRequest, {"status": "PREPARING"}, True),
    ("api/progress-request.v1", ProgressRequest, {"status": "DELIVERED"}, True),
    ("api/progress-request.v1", ProgressRequest, {"status": "CONFIRMED"}, False),
    ("api/progress-request.v1", ProgressRequest, {}, False),
    ("api/progress-request.v1", ProgressRequest, {"status": "PREPARING", "x": 1}, False),
    ("api/stock-setting.v1", StockSetting, {"available": 0}, True),
    ("api/stock-setting.v1", StockSetting, {"available": 1_000_000}, True),
    ("api/stock-setting.v1", StockSetting, {"available": -1}, False),
    ("api/stock-setting.v1", StockSetting, {"available": 1_000_001}, False),
    ("api/stock-setting.v1", StockSetting, {"available": "3"}, False),
    ("api/stock-setting.v1", StockSetting, {"available": 3, "sku": "x"}, False),
    ("api/preferences-request.v1", Preferences, {}, True),
    ("api/preferences-request.v1", Preferences, {"sms": False, "time_zone": None}, True),
    ("api/preferences-request.v1", Preferences, {"email": "yes"}, False),
    ("api/preferences-request.v1", Preferences, {"push": True, "fax": True}, False),
    ("api/preferences-request.v1", Preferences, {"time_zone": "x" * 65}, False),
]


@pytest.mark.parametrize(("schema", "model", "body", "valid"), CASES)
def test_schema_and_model_agree_on_each_body(schema, model, body, valid):
    try:
        model.model_validate(body)
        model_accepts = True
    except ValidationError:
        model_accepts = False

    assert (violations(schema, body) == []) is valid
    assert model_accepts is valid
