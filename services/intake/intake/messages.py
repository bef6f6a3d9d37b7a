"""What a rejected order's errors say to the customer, in the customer's language.

Errors carry a stable code (a pydantic error type or a rule name from inventory) and the
values their message needs; this catalogue turns them into a sentence in pt-BR, en or es.
A code with no entry keeps the service's own English message.
"""

from __future__ import annotations

from typing import Any

from entrega_contracts.errors import FieldError

SUPPORTED = ("pt-BR", "en", "es")
DEFAULT = "pt-BR"

_MESSAGES: dict[str, dict[str, str]] = {
    "pt-BR": {
        "_title": "O pedido tem campos inválidos",
        "missing": "campo obrigatório",
        "required": "campo obrigatório",
        "extra_forbidden": "este campo não faz parte de um pedido",
        "string_too_short": "precisa ter pelo menos {min_length} caractere(s)",
        "string_too_long": "pode ter no máximo {max_length} caracteres",
        "string_type": "precisa ser um texto",
        "model_type": "precisa ser um objeto com os campos do pedido",
        "dict_type": "precisa ser um objeto com os campos do pedido",
        "list_type": "precisa ser uma lista",
        "literal_error": "precisa ser um destes: {expected}",
        "too_short": "o pedido precisa de pelo menos um item",
        "too_long": "um pedido tem no máximo {max_length} itens",
        "string_pattern_mismatch": "formato inválido",
        "invalid_email": "e-mail inválido",
        "invalid_phone": "telefone inválido; use DDD e número, como +55 11 98888-7777",
        "invalid_postal_code": "CEP inválido; use 8 dígitos, como 01310-100",
        "invalid_state": "UF inválida; use a sigla do estado, como SP",
        "unknown_sku": "este item não está no cardápio",
        "not_on_sale": "este item não está disponível no momento",
        "type": "a quantidade precisa ser um número inteiro",
        "item_type": "cada item precisa ter sku e quantidade",
        "too_small": "a quantidade precisa ser pelo menos 1",
        "too_large": "no máximo {max} unidades deste item por pedido",
        "too_many": "um pedido tem no máximo {max} itens",
        "mixed_currency": "os itens têm preços em moedas diferentes",
        "shop_closed": "{shop} está fechada agora",
        "outside_delivery_area": "não entregamos neste endereço",
    },
    "en": {
        "_title": "The order has invalid fields",
        "missing": "this field is required",
        "required": "this field is required",
        "extra_forbidden": "this field is not part of an order",
        "string_too_short": "must have at least {min_length} character(s)",
        "string_too_long": "must have at most {max_length} characters",
        "string_type": "must be text",
        "model_type": "must be an object with the order's fields",
        "dict_type": "must be an object with the order's fields",
        "list_type": "must be a list",
        "literal_error": "must be one of: {expected}",
        "too_short": "an order needs at least one item",
        "too_long": "an order has at most {max_length} items",
        "string_pattern_mismatch": "has the wrong format",
        "invalid_email": "not a valid email address",
        "invalid_phone": "not a valid phone number; include the area code, like +55 11 98888-7777",
        "invalid_postal_code": "not a valid CEP; use 8 digits, like 01310-100",
        "invalid_state": "not a Brazilian state; use its two letters, like SP",
        "unknown_sku": "this item is not on the menu",
        "not_on_sale": "this item is not available right now",
        "type": "quantity must be a whole number",
        "item_type": "each item is an object with sku and quantity",
        "too_small": "quantity must be at least 1",
        "too_large": "at most {max} of this item per order",
        "too_many": "an order has at most {max} lines",
        "mixed_currency": "items are priced in different currencies",
        "shop_closed": "{shop} is closed right now",
        "outside_delivery_area": "we do not deliver to this address",
    },
    "es": {
        "_title": "El pedido tiene campos inválidos",
        "missing": "campo obligatorio",
        "required": "campo obligatorio",
        "extra_forbidden": "este campo no forma parte de un pedido",
        "string_too_short": "debe tener al menos {min_length} carácter(es)",
        "string_too_long": "puede tener como máximo {max_length} caracteres",
        "string_type": "debe ser un texto",
        "model_type": "debe ser un objeto con los campos del pedido",
        "dict_type": "debe ser un objeto con los campos del pedido",
        "list_type": "debe ser una lista",
        "literal_error": "debe ser uno de: {expected}",
        "too_short": "el pedido necesita al menos un producto",
        "too_long": "un pedido tiene como máximo {max_length} productos",
        "string_pattern_mismatch": "formato inválido",
        "invalid_email": "correo electrónico inválido",
        "invalid_phone": "teléfono inválido; incluye el código de área, como +55 11 98888-7777",
        "invalid_postal_code": "CEP inválido; usa 8 dígitos, como 01310-100",
        "invalid_state": "estado inválido; usa su sigla, como SP",
        "unknown_sku": "este producto no está en el menú",
        "not_on_sale": "este producto no está disponible ahora",
        "type": "la cantidad debe ser un número entero",
        "item_type": "cada producto necesita sku y cantidad",
        "too_small": "la cantidad debe ser al menos 1",
        "too_large": "como máximo {max} unidades de este producto por pedido",
        "too_many": "un pedido tiene como máximo {max} líneas",
        "mixed_currency": "los productos tienen precios en monedas distintas",
        "shop_closed": "{shop} está cerrado ahora",
        "outside_delivery_area": "no entregamos en esta dirección",
    },
}


def locale_for(requested: Any, accept_language: str | None) -> str:
    """The locale to answer in: the order's own, else the best Accept-Language match, else pt-BR."""
    if isinstance(requested, str) and _match(requested):
        return _match(requested) or DEFAULT
    for part in (accept_language or "").split(","):
        match = _match(part.split(";")[0].strip())
        if match:
            return match
    return DEFAULT


def _match(tag: str) -> str | None:
    if tag in SUPPORTED:
        return tag
    language = tag.split("-")[0].lower()
    return next((known for known in SUPPORTED if known.split("-")[0].lower() == language), None)


def title(locale: str) -> str:
    return _MESSAGES[locale]["_title"]


def localized(error: FieldError, locale: str) -> FieldError:
    template = _MESSAGES[locale].get(error.code)
    if template is None:
        return error
    try:
        message = template.format(**error.params)
    except (KeyError, IndexError):
        return error
    return FieldError(error.field, message, error.code, error.params)
