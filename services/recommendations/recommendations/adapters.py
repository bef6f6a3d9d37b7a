"""Recommendations' way out to Amazon Bedrock: Converse with a forced tool call, and the Guardrail.

Every failure is wrapped here, once, as a ModelError, and the domain answers with the local
model instead. The clients are made on first use with tight timeouts and no retries: the
saga gives GetInsights 3 seconds, Converse gets at most connect + read timeout (0.25 + 1.25 s
by default) and the Guardrail check 0.25 + 0.5 s, and a retry would spend the time the
local fallback needs. Throttles are not retried for the same reason; they are counted.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, ReadTimeoutError
from pydantic import ValidationError

from recommendations import prompts, settings
from recommendations.errors import (
    GuardrailIntervened,
    ModelAnswerInvalid,
    ModelThrottled,
    ModelTimedOut,
    ModelUnavailable,
)
from recommendations.models import ModelAnswer, Prompt
from recommendations.settings import BedrockSettings

THROTTLED = frozenset(
    {"ThrottlingException", "ServiceQuotaExceededException", "ModelNotReadyException"}
)
TIMED_OUT = frozenset({"ModelTimeoutException"})
TEMPERATURE = 0.2

_lock = threading.Lock()


@functools.cache
def _client(region: str | None, connect_timeout: float, read_timeout: float) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"mode": "standard", "total_max_attempts": 1},
    )
    with _lock:
        return boto3.session.Session().client("bedrock-runtime", region_name=region, config=config)


def bedrock_model() -> BedrockModel | None:
    """A model for this invocation, or None when Bedrock is not configured."""
    configured = settings.bedrock()
    return BedrockModel(configured) if configured else None


class BedrockModel:
    """One invocation's conversation with Bedrock; `usage` holds the tokens it spent."""

    def __init__(
        self,
        configured: BedrockSettings,
        client: Any | None = None,
        guardrail_client: Any | None = None,
    ) -> None:
        self.settings = configured
        self._runtime = client
        self._guardrail = guardrail_client
        self.usage: dict[str, int] = {}

    def suggest(self, prompt: Prompt) -> ModelAnswer:
        runtime = self._runtime or _client(
            self.settings.region, self.settings.connect_timeout, self.settings.read_timeout
        )
        response = _call(runtime.converse, **converse_request(prompt, self.settings))
        usage = response.get("usage") or {}
        self.usage = {
            key: int(usage[key]) for key in ("inputTokens", "outputTokens") if key in usage
        }
        return parse_answer(response)

    def screen(self, text: str) -> None:
        if not self.settings.guardrail_id:
            return
        guardrail = self._guardrail or _client(
            self.settings.region,
            self.settings.connect_timeout,
            self.settings.guardrail_read_timeout,
        )
        response = _call(
            guardrail.apply_guardrail,
            guardrailIdentifier=self.settings.guardrail_id,
            guardrailVersion=self.settings.guardrail_version,
            source="OUTPUT",
            content=[{"text": {"text": text}}],
        )
        if response.get("action") == "GUARDRAIL_INTERVENED":
            raise GuardrailIntervened("the Guardrail blocked the model's personal line")


def converse_request(prompt: Prompt, configured: BedrockSettings) -> dict[str, Any]:
    """The Converse call for a prompt: the versioned system text, the order as data, and a
    tool the model is forced to call, whose input schema is the answer's structure."""
    return {
        "modelId": configured.model_id,
        "system": [{"text": prompts.system_text()}],
        "messages": [{"role": "user", "content": [{"text": prompts.user_text(prompt)}]}],
        "inferenceConfig": {"maxTokens": configured.max_tokens, "temperature": TEMPERATURE},
        "toolConfig": {
            "tools": [{"toolSpec": prompts.tool_spec()}],
            "toolChoice": {"tool": {"name": prompts.tool_name()}},
        },
    }


def parse_answer(response: dict[str, Any]) -> ModelAnswer:
    """The input of the model's record_insight call, or ModelAnswerInvalid."""
    stop = response.get("stopReason")
    if stop == "guardrail_intervened":
        raise GuardrailIntervened("the Guardrail blocked the model's answer")
    if stop == "max_tokens":
        raise ModelAnswerInvalid("the answer was cut off at the token limit")

    content = ((response.get("output") or {}).get("message") or {}).get("content") or []
    calls = [
        block["toolUse"]
        for block in content
        if isinstance(block, dict)
        and (block.get("toolUse") or {}).get("name") == prompts.tool_name()
    ]
    if not calls:
        raise ModelAnswerInvalid("the model did not call its tool")
    try:
        return ModelAnswer.model_validate(calls[0].get("input"))
    except ValidationError as exc:
        raise ModelAnswerInvalid("the tool input does not match its schema") from exc


def _call(operation: Any, **kwargs: Any) -> dict[str, Any]:
    try:
        response: dict[str, Any] = operation(**kwargs)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in THROTTLED:
            raise ModelThrottled(f"Bedrock throttled the request ({code})") from exc
        if code in TIMED_OUT:
            raise ModelTimedOut(f"Bedrock gave up on the request ({code})") from exc
        raise ModelUnavailable(f"Bedrock refused the request ({code or 'no code'})") from exc
    except (ReadTimeoutError, ConnectTimeoutError) as exc:
        raise ModelTimedOut("Bedrock did not answer within the time budget") from exc
    except BotoCoreError as exc:
        raise ModelUnavailable("Bedrock could not be reached") from exc
    return response
