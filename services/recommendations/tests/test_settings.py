"""Recommendations' typed settings: Bedrock switched on by BEDROCK_MODEL_ID, bad values loud."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest

from recommendations.errors import ConfigurationError
from recommendations.settings import BedrockSettings, ShopSettings


@pytest.mark.parametrize("environ", [{}, {"BEDROCK_MODEL_ID": ""}, {"BEDROCK_MODEL_ID": "  "}])
def test_bedrock_is_off_without_a_model_id(environ):
    assert BedrockSettings.from_environment(environ) is None


def test_bedrock_settings_are_read_with_their_defaults():
    configured = BedrockSettings.from_environment(
        {"BEDROCK_MODEL_ID": "amazon.nova-lite-v1:0", "BEDROCK_GUARDRAIL_ID": "gr-1"}
    )

    assert configured == BedrockSettings(
        model_id="amazon.nova-lite-v1:0",
        region=None,
        max_tokens=400,
        guardrail_id="gr-1",
        guardrail_version="DRAFT",
        read_timeout=1.25,
    )


def test_bedrock_settings_take_every_variable():
    configured = BedrockSettings.from_environment(
        {
            "BEDROCK_MODEL_ID": "us.amazon.nova-lite-v1:0",
            "BEDROCK_REGION": "us-east-1",
            "BEDROCK_MAX_TOKENS": "300",
            "BEDROCK_TIMEOUT_SECONDS": "0.9",
            "BEDROCK_GUARDRAIL_ID": "gr-1",
            "BEDROCK_GUARDRAIL_VERSION": "4",
        }
    )

    assert configured is not None
    assert (configured.region, configured.max_tokens, configured.read_timeout) == (
        "us-east-1",
        300,
        0.9,
    )
    assert configured.guardrail_version == "4"


@pytest.mark.parametrize(
    "environ",
    [
        {"BEDROCK_MAX_TOKENS": "many"},
        {"BEDROCK_MAX_TOKENS": "10"},
        {"BEDROCK_TIMEOUT_SECONDS": "30"},
    ],
)
def test_unusable_bedrock_values_fail_loudly(environ):
    with pytest.raises(ConfigurationError):
        BedrockSettings.from_environment({"BEDROCK_MODEL_ID": "amazon.nova-lite-v1:0", **environ})


def test_shop_settings_default_to_sao_paulo_time():
    shop = ShopSettings.from_environment({"KITCHEN_POSTAL_CODE": "05415-000"})

    assert shop.kitchen_postal_code == "05415-000"
    assert shop.utc_offset == timezone(timedelta(hours=-3))


def test_a_shop_offset_that_is_not_one_fails_loudly():
    with pytest.raises(ConfigurationError):
        ShopSettings.from_environment({"SHOP_UTC_OFFSET": "America/Sao_Paulo"})
