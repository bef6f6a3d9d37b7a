"""Payments' settings: which providers are configured, and where their secrets are kept.

Each secret is given either directly in the environment (for local runs: STRIPE_SECRET_KEY,
STRIPE_WEBHOOK_SECRET, PAYPAL_CLIENT_ID with PAYPAL_CLIENT_SECRET) or by where it is kept
(STRIPE_SECRET_KEY_PARAMETER and the like): an SSM parameter name, which starts with "/",
or otherwise a Secrets Manager secret name or ARN. Values are fetched through Powertools
parameters on first use and cached for five minutes, so a rotated key is picked up without
a deployment. A provider with no credentials configured is served by the simulator.

Secret values never reach a log, an error message or a repr.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from payments.errors import DependencyUnavailable, ProviderRejected

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider, SSMProvider

SECRETS_MAX_AGE_SECONDS = 300
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Secret:
    """A secret given directly, or by the SSM parameter or Secrets Manager secret holding it."""

    value: str | None = field(default=None, repr=False)
    source: str | None = None

    @property
    def configured(self) -> bool:
        return bool(self.value or self.source)

    def resolve(self) -> str:
        if self.value:
            return self.value
        if not self.source:
            raise ProviderRejected("a secret was asked for but none is configured")
        from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

        try:
            if self.source.startswith("/"):
                found = _ssm().get(self.source, max_age=SECRETS_MAX_AGE_SECONDS, decrypt=True)
            else:
                found = _secrets().get(self.source, max_age=SECRETS_MAX_AGE_SECONDS)
        except GetParameterError as exc:
            raise DependencyUnavailable(f"the secret at {self.source} cannot be read") from exc
        if isinstance(found, bytes):
            found = found.decode()
        if not isinstance(found, str) or not found:
            raise ProviderRejected(f"the secret at {self.source} is empty")
        return found

    def resolve_json(self) -> dict[str, Any]:
        try:
            document = json.loads(self.resolve())
        except ValueError:
            raise ProviderRejected(f"the secret at {self.source} is not JSON") from None
        if not isinstance(document, dict):
            raise ProviderRejected(f"the secret at {self.source} is not a JSON object")
        return document


@dataclass(frozen=True, slots=True)
class Settings:
    stripe_key: Secret
    stripe_webhook_secret: Secret
    stripe_api_base: str | None
    stripe_webhook_tolerance: int
    paypal_credentials: Secret
    paypal_environment: str
    paypal_api_base: str | None
    paypal_webhook_id: str | None
    provider_timeout: float
    event_bus: str | None

    @classmethod
    def from_environment(cls) -> Settings:
        return cls(
            stripe_key=_secret("STRIPE_SECRET_KEY"),
            stripe_webhook_secret=_secret("STRIPE_WEBHOOK_SECRET"),
            stripe_api_base=_optional("STRIPE_API_BASE"),
            stripe_webhook_tolerance=_number("STRIPE_WEBHOOK_TOLERANCE_SECONDS", 300),
            paypal_credentials=_paypal_credentials(),
            paypal_environment=_optional("PAYPAL_ENVIRONMENT") or "sandbox",
            paypal_api_base=_optional("PAYPAL_API_BASE"),
            paypal_webhook_id=_optional("PAYPAL_WEBHOOK_ID"),
            provider_timeout=float(_number("PAYMENTS_PROVIDER_TIMEOUT_SECONDS", 8.0)),
            event_bus=_optional("EVENT_BUS_NAME"),
        )

    def require_event_bus(self) -> str:
        if not self.event_bus:
            raise RuntimeError("payments needs the environment variable EVENT_BUS_NAME")
        return self.event_bus


@functools.cache
def settings() -> Settings:
    """The settings, read from the environment on first use."""
    return Settings.from_environment()


def _optional(name: str) -> str | None:
    return os.environ.get(name, "").strip() or None


def _number(name: str, default: float) -> Any:
    raw = _optional(name)
    try:
        return default if raw is None else type(default)(raw)
    except ValueError:
        raise RuntimeError(f"{name} must be a number") from None


def _secret(name: str) -> Secret:
    return Secret(_optional(name), _optional(f"{name}_PARAMETER"))


def _paypal_credentials() -> Secret:
    client_id, secret = _optional("PAYPAL_CLIENT_ID"), _optional("PAYPAL_CLIENT_SECRET")
    direct = json.dumps({"client_id": client_id, "client_secret": secret}) if secret else None
    return Secret(direct if client_id else None, _optional("PAYPAL_CREDENTIALS_PARAMETER"))


@functools.cache
def _ssm() -> SSMProvider:
    from aws_lambda_powertools.utilities.parameters import SSMProvider

    with _lock:
        return SSMProvider()


@functools.cache
def _secrets() -> SecretsProvider:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    with _lock:
        return SecretsProvider()
