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


KEY_PROBE = """
import json, jwt
from moto.utilities.utils import load_resource
from entrega_local.identity import KEY_ID, _signing_key
public = load_resource("cognitoidp/resources/jwks-public.json")
key = next(k for k in public["keys"] if k["kid"] == KEY_ID)
token = jwt.encode({"sub": "probe"}, _signing_key(), algorithm="RS256", headers={"kid": KEY_ID})
verifier = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(key))
print(json.dumps(jwt.decode(token, verifier, algorithms=["RS256"])))
"""


def test_local_tokens_are_signed_with_the_key_motos_user_pools_publish():
    """`entrega token` signs with moto's bundled Cognito key; moto must still publish its pair."""
    result = subprocess.run(
        [sys.executable, "-c", KEY_PROBE], capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, "moto's bundled Cognito key pair moved:\n" + result.stderr
    assert json.loads(result.stdout) == {"sub": "probe"}
