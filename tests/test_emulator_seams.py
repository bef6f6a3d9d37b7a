"""moto's methods that the embedded stack replaces must still exist, with the same parameters.

Checked in a fresh interpreter, so that a stack started by another test (which has the
methods replaced) cannot hide a moto upgrade that renamed them.
"""

from __future__ import annotations

import json
import subprocess
import sys

EXPECTED = {
    "LambdaFunction.invoke": ["self", "body", "request_headers", "response_headers"],
    "Rule.send_to_targets": ["self", "original_event", "transform_input"],
}
PROBE = """
import inspect, json
from entrega_local.emulator import PATCHED
print(json.dumps({
    f"{owner.__name__}.{name}": list(inspect.signature(getattr(owner, name)).parameters)
    if hasattr(owner, name) else None
    for owner, name in PATCHED.items()
}))
"""


def test_replaced_moto_methods_keep_their_signatures():
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    )

    found = json.loads(result.stdout)

    assert found == EXPECTED, "moto changed a method local/entrega_local/emulator.py replaces"
