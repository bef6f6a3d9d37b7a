"""Which adapter serves a provider is configuration only; secrets come from the environment,
SSM or Secrets Manager, are cached, and never show; the SDKs load only when used."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from payments.adapters import SimulatedProvider, configuration, provider_for
from payments.adapters.configuration import Secret
from payments.errors import ProviderRejected

ROOT = Path(__file__).resolve().parents[3]
VARIABLES = [
    "STRIPE_SECRET_KEY",
    "STRIPE_SECRET_KEY_PARAMETER",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_WEBHOOK_SECRET_PARAMETER",
    "STRIPE_API_BASE",
    "PAYPAL_CLIENT_ID",
    "PAYPAL_CLIENT_SECRET",
    "PAYPAL_CREDENTIALS_PARAMETER",
    "PAYPAL_API_BASE",
    "AWS_ENDPOINT_URL",
]


@pytest.fixture(autouse=True)
def clean_settings(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for cached in (configuration.settings, configuration._ssm, configuration._secrets):
        cached.cache_clear()
    yield
    for cached in (configuration.settings, configuration._ssm, configuration._secrets):
        cached.cache_clear()


@pytest.mark.parametrize("name", ["stripe", "paypal"])
def test_a_provider_without_credentials_is_served_by_the_simulator(name):
    provider = provider_for(name)

    assert isinstance(provider, SimulatedProvider)
    assert provider.name == name


def test_a_stripe_key_in_the_environment_selects_the_stripe_adapter(monkeypatch):
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_local")

    provider = provider_for("stripe")

    assert type(provider).__name__ == "StripeProvider"
    assert isinstance(provider_for("paypal"), SimulatedProvider)


def test_paypal_credentials_in_the_environment_select_the_paypal_adapter(monkeypatch):
    monkeypatch.setenv("PAYPAL_CLIENT_ID", "client")
    monkeypatch.setenv("PAYPAL_CLIENT_SECRET", "secret")

    assert type(provider_for("paypal")).__name__ == "PayPalProvider"


def test_an_unknown_provider_is_refused():
    with pytest.raises(ProviderRejected):
        provider_for("cash")


@mock_aws
def test_a_secret_in_ssm_is_read_decrypted_and_cached():
    ssm = boto3.client("ssm")
    name = "/entrega/payments/stripe-secret-key"
    ssm.put_parameter(Name=name, Value="sk_live_from_ssm", Type="SecureString")
    secret = Secret(source=name)

    first = secret.resolve()
    ssm.put_parameter(Name=name, Value="sk_live_rotated", Type="SecureString", Overwrite=True)
    cached = secret.resolve()

    assert first == cached == "sk_live_from_ssm"


@mock_aws
def test_a_secret_in_secrets_manager_is_read_as_json():
    boto3.client("secretsmanager").create_secret(
        Name="entrega/payments/paypal",
        SecretString=json.dumps({"client_id": "abc", "client_secret": "xyz"}),
    )

    credentials = Secret(source="entrega/payments/paypal").resolve_json()

    assert credentials == {"client_id": "abc", "client_secret": "xyz"}


@mock_aws
def test_a_missing_secret_is_a_transient_failure_that_names_where_not_what():
    from payments.errors import DependencyUnavailable

    with pytest.raises(DependencyUnavailable, match="/entrega/payments/nothing-here"):
        Secret(source="/entrega/payments/nothing-here").resolve()


def test_a_secret_never_shows_its_value():
    secret = Secret("sk_live_do_not_print", "/entrega/payments/key")

    assert "sk_live_do_not_print" not in repr(secret)
    assert "sk_live_do_not_print" not in str(configuration.Settings.from_environment())


def test_entry_points_import_neither_sdk_and_the_simulator_needs_neither():
    probe = (
        "import sys; import payments.handlers, payments.api; "
        "from payments.adapters import provider_for; "
        "provider_for('stripe').name; provider_for('paypal').name; "
        "loaded = [m for m in ('stripe', 'paypalserversdk') if m in sys.modules]; "
        "assert not loaded, loaded"
    )
    environment = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": f"{ROOT / 'contracts'}:{ROOT / 'services' / 'payments'}",
    }

    result = subprocess.run(
        [sys.executable, "-c", probe], env=environment, capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr[-2000:]
