"""GetInsights with Amazon Bedrock, against botocore's Stubber on bedrock-runtime: every way
Bedrock can answer ends with a valid insight and names the source that answered."""

from __future__ import annotations

import json
import socket
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import botocore.session
import pytest
from botocore.config import Config
from botocore.stub import ANY, Stubber

from entrega_contracts.schemas import violations
from recommendations import adapters, domain, handlers
from recommendations.adapters import BedrockModel
from recommendations.errors import (
    GuardrailIntervened,
    ModelAnswerInvalid,
    ModelThrottled,
    ModelTimedOut,
    ModelUnavailable,
)
from recommendations.models import InsightRequest, Product, Suggestion
from recommendations.settings import BedrockSettings, ShopSettings

PLACED_AT = datetime(2026, 3, 14, 15, 40, tzinfo=UTC)  # 12:40 in São Paulo
SHOP = ShopSettings(kitchen_postal_code="05415-000")
CATALOG = {
    product.sku: product
    for product in [
        Product(
            sku="feijoada-completa", name="Feijoada completa", category="pratos", prep_minutes=10
        ),
        Product(sku="guarana-lata", name="Guaraná lata", category="bebidas", prep_minutes=2),
        Product(sku="farofa", name="Farofa de bacon", category="acompanhamentos", prep_minutes=3),
        Product(sku="vinagrete", name="Vinagrete", category="acompanhamentos", prep_minutes=3),
        Product(
            sku="pudim-de-leite",
            name="Pudim de leite",
            name_en="Milk flan",
            category="sobremesas",
            prep_minutes=2,
        ),
        Product(sku="caldo-de-cana", name="Caldo de cana", category="bebidas", prep_minutes=2),
        Product(sku="curau-de-milho", name="Curau", category="sobremesas", on_sale=False),
        Product(
            sku="moqueca-de-peixe",
            name="Moqueca de peixe",
            category="pratos",
            prep_minutes=25,
            out_of_stock_since=datetime(2026, 3, 14, 14, 0, tzinfo=UTC),
        ),
    ]
}


class MemoryHistory:
    def __init__(
        self,
        together: Mapping[str, Mapping[str, int]],
        popular: Mapping[str, int],
        catalog: Mapping[str, Product] = CATALOG,
    ) -> None:
        self.together = together
        self.popularity = popular
        self.catalog = catalog

    def bought_with(self, skus: list[str]) -> Counter[str]:
        counts: Counter[str] = Counter()
        for sku in skus:
            counts.update(self.together.get(sku, {}))
        return counts

    def popular(self) -> Counter[str]:
        return Counter(self.popularity)

    def products(self, skus: list[str]) -> Mapping[str, Product]:
        return {sku: self.catalog[sku] for sku in skus if sku in self.catalog}


@pytest.fixture
def history() -> MemoryHistory:
    """Feijoada goes with farofa, guaraná and pudim; the moqueca is out of stock, curau off sale."""
    return MemoryHistory(
        {
            "feijoada-completa": {
                "farofa": 30,
                "guarana-lata": 25,
                "moqueca-de-peixe": 20,
                "curau-de-milho": 18,
                "pudim-de-leite": 10,
            }
        },
        {"feijoada-completa": 40, "guarana-lata": 90, "caldo-de-cana": 15, "vinagrete": 12},
    )


def request_for(*skus: str, locale: str = "pt-BR", **extra: Any) -> InsightRequest:
    return InsightRequest.model_validate(
        {
            "order_id": "ord_" + "k" * 26,
            "customer_id": "cus_a7k2m9",
            "locale": locale,
            "lines": [{"sku": sku, "quantity": 1} for sku in skus],
            "placed_at": PLACED_AT.isoformat(),
            "delivery": {"postal_code": "05435-000", "country": "BR"},
            **extra,
        }
    )


def valid_insight(insight: Any) -> bool:
    document = insight.model_dump() if hasattr(insight, "model_dump") else insight
    return violations("tasks/get-insights.output.v1", document) == []


def converse_answer(tool_input: Any, stop: str = "tool_use", **usage: int) -> dict[str, Any]:
    """A Converse response whose message is one call of record_insight with `tool_input`."""
    return {
        "output": {
            "message": {
                "role": "assistant",
                "content": [
                    {
                        "toolUse": {
                            "toolUseId": "tooluse_1",
                            "name": "record_insight",
                            "input": tool_input,
                        }
                    }
                ],
            }
        },
        "stopReason": stop,
        "usage": {
            "inputTokens": usage.get("inputTokens", 1100),
            "outputTokens": usage.get("outputTokens", 90),
            "totalTokens": usage.get("inputTokens", 1100) + usage.get("outputTokens", 90),
        },
        "metrics": {"latencyMs": 640},
    }


GUARDRAIL_USAGE = {
    "topicPolicyUnits": 1,
    "contentPolicyUnits": 1,
    "wordPolicyUnits": 0,
    "sensitiveInformationPolicyUnits": 0,
    "sensitiveInformationPolicyFreeUnits": 0,
    "contextualGroundingPolicyUnits": 0,
}
GOOD_ANSWER = {
    "suggestions": ["pudim-de-leite", "farofa"],
    "eta_minutes": 35,
    "personal_line": "Que tal fechar a feijoada com um Pudim de leite?",
    "priority": 3,
}


def bedrock_client() -> Any:
    return botocore.session.get_session().create_client(
        "bedrock-runtime",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def stubbed() -> Iterator[tuple[BedrockModel, Stubber]]:
    """A BedrockModel with a Guardrail configured, whose calls botocore's Stubber answers."""
    client = bedrock_client()
    configured = BedrockSettings(
        model_id="us.amazon.nova-lite-v1:0", guardrail_id="gr-entrega", guardrail_version="3"
    )
    with Stubber(client) as stubber:
        yield BedrockModel(configured, client=client, guardrail_client=client), stubber
        stubber.assert_no_pending_responses()


def answered(
    stubbed: tuple[BedrockModel, Stubber], history: MemoryHistory, *skus: str, **extra: Any
) -> domain.Outcome:
    model, _ = stubbed
    return domain.answer(request_for(*skus, **extra), history, Counter(), model, SHOP)


# A good answer


def test_good_answer_is_used_with_names_from_the_products_projection(stubbed, history):
    model, stubber = stubbed
    stubber.add_response("converse", converse_answer(GOOD_ANSWER))
    stubber.add_response(
        "apply_guardrail",
        {"usage": GUARDRAIL_USAGE, "action": "NONE", "outputs": [], "assessments": []},
    )

    outcome = answered(stubbed, history, "feijoada-completa")

    assert outcome.fallback is None
    assert outcome.insight.source == "bedrock"
    assert outcome.insight.suggestions == [
        Suggestion(sku="pudim-de-leite", name="Pudim de leite"),
        Suggestion(sku="farofa", name="Farofa de bacon"),
    ]
    assert outcome.insight.personal_line == GOOD_ANSWER["personal_line"]
    assert outcome.insight.eta_minutes == 35
    assert model.usage == {"inputTokens": 1100, "outputTokens": 90}
    assert valid_insight(outcome.insight)


def test_converse_is_called_with_the_configured_model_and_a_forced_tool(stubbed, history):
    _, stubber = stubbed
    expected = {
        "modelId": "us.amazon.nova-lite-v1:0",
        "system": ANY,
        "messages": ANY,
        "inferenceConfig": {"maxTokens": 400, "temperature": 0.2},
        "toolConfig": {
            "tools": [{"toolSpec": ANY}],
            "toolChoice": {"tool": {"name": "record_insight"}},
        },
    }
    stubber.add_response("converse", converse_answer(GOOD_ANSWER), expected)
    stubber.add_response(
        "apply_guardrail",
        {"usage": GUARDRAIL_USAGE, "action": "NONE", "outputs": [], "assessments": []},
        {
            "guardrailIdentifier": "gr-entrega",
            "guardrailVersion": "3",
            "source": "OUTPUT",
            "content": [{"text": {"text": GOOD_ANSWER["personal_line"]}}],
        },
    )

    outcome = answered(stubbed, history, "feijoada-completa")

    assert outcome.insight.source == "bedrock"


def test_the_request_sent_to_bedrock_holds_only_items_past_orders_time_locale_and_candidates(
    stubbed, history
):
    model, stubber = stubbed
    sent: list[dict[str, Any]] = []
    model._runtime.meta.events.register(
        "provide-client-params.bedrock-runtime.Converse", lambda params, **_: sent.append(params)
    )
    stubber.add_response("converse", converse_answer(GOOD_ANSWER))
    stubber.add_response(
        "apply_guardrail",
        {"usage": GUARDRAIL_USAGE, "action": "NONE", "outputs": [], "assessments": []},
    )
    # Even if a caller slipped contact data into the task input, it would be ignored.
    request = request_for(
        "feijoada-completa",
        customer={"name": "Ana Beatriz Souza", "email": "ana.souza@example.com.br"},
        phone="+5511987412365",
        delivery_address={"street": "Rua Harmonia", "number": "512"},
    )

    domain.answer(request, history, Counter({"guarana-lata": 4, "pudim-de-leite": 1}), model, SHOP)

    (params,) = sent
    user_text = params["messages"][0]["content"][0]["text"]
    order = json.loads(user_text[user_text.index("{") : user_text.rindex("}") + 1])
    assert set(order) == {"items", "past_orders", "time_of_day", "locale", "candidates"}
    assert order["items"] == [
        {"sku": "feijoada-completa", "name": "Feijoada completa", "quantity": 1, "prep_minutes": 10}
    ]
    assert order["past_orders"] == [
        {"sku": "guarana-lata", "times": 4},
        {"sku": "pudim-de-leite", "times": 1},
    ]
    assert order["time_of_day"] == "12:40 (lunch)"
    assert order["locale"] == "pt-BR"
    assert {candidate["sku"] for candidate in order["candidates"]} == {
        "farofa",
        "guarana-lata",
        "pudim-de-leite",
        "caldo-de-cana",
        "vinagrete",
    }
    everything_sent = json.dumps(params, ensure_ascii=False)
    for secret in (
        "cus_a7k2m9",
        request.order_id,
        "05435",
        "Ana",
        "ana.souza",
        "5511987412365",
        "Harmonia",
    ):
        assert secret not in everything_sent


# A throttle, a timeout, an outage


@pytest.mark.parametrize(
    ("code", "status", "fallback"),
    [
        ("ThrottlingException", 429, ModelThrottled),
        ("ServiceQuotaExceededException", 400, ModelThrottled),
        ("ModelTimeoutException", 408, ModelTimedOut),
        ("ServiceUnavailableException", 503, ModelUnavailable),
        ("AccessDeniedException", 403, ModelUnavailable),
    ],
)
def test_bedrock_errors_fall_back_to_the_local_model(stubbed, history, code, status, fallback):
    _, stubber = stubbed
    stubber.add_client_error("converse", service_error_code=code, http_status_code=status)

    outcome = answered(stubbed, history, "feijoada-completa")

    assert isinstance(outcome.fallback, fallback)
    assert outcome.insight.source == "local"
    assert [s.sku for s in outcome.insight.suggestions] == [
        "farofa",
        "guarana-lata",
        "pudim-de-leite",
    ]
    assert valid_insight(outcome.insight)


class _SilentServer:
    """A TCP server on 127.0.0.1 that accepts connections and never answers."""

    def __enter__(self) -> str:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.listen(8)
        return f"http://127.0.0.1:{self.socket.getsockname()[1]}"

    def __exit__(self, *exc: object) -> None:
        self.socket.close()


def test_a_model_that_does_not_answer_in_time_falls_back_within_the_budget(history):
    configured = BedrockSettings(model_id="amazon.nova-lite-v1:0", read_timeout=0.3)
    with _SilentServer() as url:
        client = botocore.session.get_session().create_client(
            "bedrock-runtime",
            region_name="us-east-1",
            endpoint_url=url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(
                connect_timeout=0.3,
                read_timeout=configured.read_timeout,
                retries={"mode": "standard", "total_max_attempts": 1},
            ),
        )
        started = time.monotonic()

        outcome = domain.answer(
            request_for("feijoada-completa"), history, None, BedrockModel(configured, client), SHOP
        )

    assert time.monotonic() - started < 1.5
    assert isinstance(outcome.fallback, ModelTimedOut)
    assert outcome.insight.source == "local"
    assert valid_insight(outcome.insight)


def test_the_bedrock_client_is_built_with_the_time_budget_and_no_retries():
    client = adapters._client("us-east-1", 0.25, 1.25)

    assert client.meta.config.connect_timeout == 0.25
    assert client.meta.config.read_timeout == 1.25
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 1}


# Malformed output


@pytest.mark.parametrize(
    "response",
    [
        {
            "output": {"message": {"role": "assistant", "content": [{"text": "Try the pudim!"}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2},
            "metrics": {"latencyMs": 1},
        },
        converse_answer({"suggestions": "pudim-de-leite", "eta_minutes": 30, "priority": 3}),
        converse_answer({**GOOD_ANSWER, "eta_minutes": "soon"}),
        converse_answer(["pudim-de-leite"]),
        converse_answer(GOOD_ANSWER, stop="max_tokens"),
    ],
    ids=[
        "text instead of a tool call",
        "missing line",
        "eta not a number",
        "not an object",
        "cut off",
    ],
)
def test_malformed_answers_fall_back_to_the_local_model(stubbed, history, response):
    _, stubber = stubbed
    stubber.add_response("converse", response)

    outcome = answered(stubbed, history, "feijoada-completa")

    assert isinstance(outcome.fallback, ModelAnswerInvalid)
    assert outcome.insight.source == "local"
    assert valid_insight(outcome.insight)


@pytest.mark.parametrize(
    "line",
    [
        "Bom apetite! " * 20,
        "Veja mais em https://example.com/promo",
        "Ligue 11987412365 para pedir de novo",
        "",
    ],
    ids=["too long", "a link", "a phone number", "empty"],
)
def test_a_personal_line_out_of_bounds_is_not_used(stubbed, history, line):
    _, stubber = stubbed
    stubber.add_response("converse", converse_answer({**GOOD_ANSWER, "personal_line": line}))

    outcome = answered(stubbed, history, "feijoada-completa")

    assert isinstance(outcome.fallback, ModelAnswerInvalid)
    assert outcome.insight.source == "local"
    assert (
        outcome.insight.personal_line == "Bom apetite! Da próxima vez, experimente Farofa de bacon."
    )


# Suggestions outside the catalog


def test_suggestions_outside_the_catalog_off_sale_out_of_stock_or_in_the_order_are_dropped(
    stubbed, history
):
    _, stubber = stubbed
    proposed = [
        "lagosta-thermidor",
        "curau-de-milho",
        "moqueca-de-peixe",
        "feijoada-completa",
        "pudim-de-leite",
        "pudim-de-leite",
    ]
    stubber.add_response("converse", converse_answer({**GOOD_ANSWER, "suggestions": proposed}))
    stubber.add_response(
        "apply_guardrail",
        {"usage": GUARDRAIL_USAGE, "action": "NONE", "outputs": [], "assessments": []},
    )

    outcome = answered(stubbed, history, "feijoada-completa")

    assert outcome.insight.source == "bedrock"
    assert [s.sku for s in outcome.insight.suggestions] == ["pudim-de-leite"]
    assert outcome.dropped == 5
    assert valid_insight(outcome.insight)


def test_an_answer_with_no_usable_suggestion_is_not_used(stubbed, history):
    _, stubber = stubbed
    proposed = ["lagosta-thermidor", "curau-de-milho"]
    stubber.add_response("converse", converse_answer({**GOOD_ANSWER, "suggestions": proposed}))

    outcome = answered(stubbed, history, "feijoada-completa")

    assert isinstance(outcome.fallback, ModelAnswerInvalid)
    assert outcome.insight.source == "local"
    assert valid_insight(outcome.insight)


@pytest.mark.parametrize(("proposed", "clamped"), [(5, 22), (29, 29), (500, 40), (-3, 22)])
def test_the_models_eta_is_clamped_around_the_local_estimate(stubbed, history, proposed, clamped):
    _, stubber = stubbed
    stubber.add_response("converse", converse_answer({**GOOD_ANSWER, "eta_minutes": proposed}))
    stubber.add_response(
        "apply_guardrail",
        {"usage": GUARDRAIL_USAGE, "action": "NONE", "outputs": [], "assessments": []},
    )

    outcome = answered(stubbed, history, "feijoada-completa")

    # Locally: feijoada 10 min + a 4 km ride (17 min) = 27; the model may say 22..40.
    assert outcome.insight.eta_minutes == clamped
    assert valid_insight(outcome.insight)


@pytest.mark.parametrize(("proposed", "kept"), [(1, 2), (3, 3), (5, 4), (99, 4)])
def test_the_models_priority_stays_within_one_of_the_local_one(stubbed, history, proposed, kept):
    _, stubber = stubbed
    stubber.add_response("converse", converse_answer({**GOOD_ANSWER, "priority": proposed}))
    stubber.add_response(
        "apply_guardrail",
        {"usage": GUARDRAIL_USAGE, "action": "NONE", "outputs": [], "assessments": []},
    )

    outcome = answered(stubbed, history, "feijoada-completa")

    assert outcome.insight.priority == kept


# A Guardrail intervention


def test_a_guardrail_intervention_discards_the_whole_answer(stubbed, history):
    _, stubber = stubbed
    stubber.add_response("converse", converse_answer(GOOD_ANSWER))
    stubber.add_response(
        "apply_guardrail",
        {
            "usage": GUARDRAIL_USAGE,
            "action": "GUARDRAIL_INTERVENED",
            "outputs": [{"text": "Sorry, the model cannot answer this."}],
            "assessments": [
                {
                    "contentPolicy": {
                        "filters": [{"type": "INSULTS", "confidence": "HIGH", "action": "BLOCKED"}]
                    }
                }
            ],
        },
    )

    outcome = answered(stubbed, history, "feijoada-completa")

    assert isinstance(outcome.fallback, GuardrailIntervened)
    assert outcome.insight.source == "local"
    assert (
        outcome.insight.personal_line == "Bom apetite! Da próxima vez, experimente Farofa de bacon."
    )
    assert valid_insight(outcome.insight)


def test_a_converse_answer_stopped_by_a_guardrail_is_not_used(stubbed, history):
    _, stubber = stubbed
    stubber.add_response("converse", converse_answer(GOOD_ANSWER, stop="guardrail_intervened"))

    outcome = answered(stubbed, history, "feijoada-completa")

    assert isinstance(outcome.fallback, GuardrailIntervened)
    assert outcome.insight.source == "local"


def test_a_guardrail_that_cannot_be_reached_means_the_line_is_not_trusted(stubbed, history):
    _, stubber = stubbed
    stubber.add_response("converse", converse_answer(GOOD_ANSWER))
    stubber.add_client_error(
        "apply_guardrail", service_error_code="ThrottlingException", http_status_code=429
    )

    outcome = answered(stubbed, history, "feijoada-completa")

    assert isinstance(outcome.fallback, ModelThrottled)
    assert outcome.insight.source == "local"


def test_without_a_guardrail_configured_no_check_is_made(history):
    client = bedrock_client()
    model = BedrockModel(BedrockSettings(model_id="amazon.nova-lite-v1:0"), client=client)
    with Stubber(client) as stubber:
        stubber.add_response("converse", converse_answer(GOOD_ANSWER))

        outcome = domain.answer(request_for("feijoada-completa"), history, None, model, SHOP)

        stubber.assert_no_pending_responses()
    assert outcome.insight.source == "bedrock"


# The handler: source recorded in the answer and counted in a metric


class _Store:
    def __init__(self, history: MemoryHistory) -> None:
        self.history = history

    def __call__(self) -> _Store:
        return self

    def __getattr__(self, name: str) -> Any:
        return getattr(self.history, name)

    def ordered_by(self, customer_id: str) -> Counter[str]:
        return Counter()


@dataclass
class _Context:
    function_name: str = "entrega-recommendations-GetInsightsFunction"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:get-insights"
    aws_request_id: str = "req-1"


def metrics_printed(out: str) -> set[str]:
    names: set[str] = set()
    for line in out.splitlines():
        if '"_aws"' in line:
            document = json.loads(line)
            for directive in document["_aws"]["CloudWatchMetrics"]:
                names |= {metric["Name"] for metric in directive["Metrics"]}
    return names


@pytest.fixture
def metrics_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The embedded stack switches Powertools metrics off for the whole process."""
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")


def _event() -> dict[str, Any]:
    return request_for("feijoada-completa").model_dump(mode="json")


def test_handler_answers_from_bedrock_and_counts_it(
    stubbed, history, monkeypatch, capsys, metrics_on
):
    model, stubber = stubbed
    stubber.add_response("converse", converse_answer(GOOD_ANSWER))
    stubber.add_response(
        "apply_guardrail",
        {"usage": GUARDRAIL_USAGE, "action": "NONE", "outputs": [], "assessments": []},
    )
    monkeypatch.setattr(handlers.store, "DynamoHistory", _Store(history))
    monkeypatch.setattr(handlers.adapters, "bedrock_model", lambda: model)

    answer = handlers.get_insights(_event(), _Context())

    assert answer["source"] == "bedrock"
    assert valid_insight(answer)
    assert {"InsightsFromBedrock", "BedrockInputTokens", "BedrockOutputTokens"} <= metrics_printed(
        capsys.readouterr().out
    )


def test_handler_falls_back_on_a_throttle_and_counts_why(
    stubbed, history, monkeypatch, capsys, metrics_on
):
    model, stubber = stubbed
    stubber.add_client_error(
        "converse", service_error_code="ThrottlingException", http_status_code=429
    )
    monkeypatch.setattr(handlers.store, "DynamoHistory", _Store(history))
    monkeypatch.setattr(handlers.adapters, "bedrock_model", lambda: model)

    answer = handlers.get_insights(_event(), _Context())

    assert answer["source"] == "local"
    assert valid_insight(answer)
    printed = metrics_printed(capsys.readouterr().out)
    assert {"InsightsFromLocal", "BedrockFallbacks", "BedrockFallbackThrottled"} <= printed


def test_handler_without_bedrock_configured_answers_locally(
    history, monkeypatch, capsys, metrics_on
):
    monkeypatch.setattr(handlers.store, "DynamoHistory", _Store(history))
    monkeypatch.setattr(handlers.adapters, "bedrock_model", lambda: None)

    answer = handlers.get_insights(_event(), _Context())

    printed = metrics_printed(capsys.readouterr().out)
    assert answer["source"] == "local"
    assert "InsightsFromLocal" in printed
    assert "BedrockFallbacks" not in printed
