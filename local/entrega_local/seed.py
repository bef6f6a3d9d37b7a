"""Sample data for the embedded stack: Cozinha da Vila's menu, its customers and past orders.

The menu fills inventory's catalog and stock tables; the past orders give the
recommendations model its bought-together and popularity counts. Both are written to the
tables the stacks created, found through their outputs.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections import Counter
from importlib import resources
from typing import Any

import boto3

SEED = resources.files("entrega_local").joinpath("seed")


@functools.cache
def menu() -> dict[str, Any]:
    return dict(json.loads(SEED.joinpath("menu.json").read_text("utf-8")))


@functools.cache
def customers() -> list[dict[str, Any]]:
    return list(json.loads(SEED.joinpath("customers.json").read_text("utf-8"))["customers"])


@functools.cache
def history() -> list[dict[str, Any]]:
    return list(json.loads(SEED.joinpath("history.json").read_text("utf-8"))["orders"])


def load_inventory(catalog_table: str, stock_table: str, shop_table: str) -> None:
    dynamodb = boto3.session.Session().resource("dynamodb")
    shop = menu()["shop"]
    currency = shop["currency"]
    dynamodb.Table(shop_table).put_item(
        Item={
            "shop_id": shop["id"],
            "name": shop["name"],
            "time_zone": shop["time_zone"],
            "opening_hours": shop["opening_hours"],
            "delivery_area": shop["delivery_area"],
        }
    )
    with (
        dynamodb.Table(catalog_table).batch_writer() as catalog,
        dynamodb.Table(stock_table).batch_writer() as stock,
    ):
        for item in menu()["items"]:
            catalog.put_item(
                Item={
                    "sku": item["sku"],
                    "name": item["name"],
                    "name_en": item["name_en"],
                    "category": item["category"],
                    "price": item["price"],
                    "currency": currency,
                    "on_sale": item["on_sale"],
                    "max_per_order": item["max_per_order"],
                    "prep_minutes": item["prep_minutes"],
                }
            )
            stock.put_item(
                Item={
                    "pk": f"SKU#{item['sku']}",
                    "available": item["stock"],
                    "reserved": 0,
                    "sold": 0,
                }
            )


def load_history(history_table: str) -> None:
    pairs: Counter[tuple[str, str]] = Counter()
    popular: Counter[str] = Counter()
    customers: Counter[tuple[str, str]] = Counter()
    for order in history():
        skus = sorted({line["sku"] for line in order["items"]})
        popular.update(skus)
        customers.update((order["customer_id"], sku) for sku in skus)
        for first, second in itertools.permutations(skus, 2):
            pairs[(first, second)] += 1

    table = boto3.session.Session().resource("dynamodb").Table(history_table)
    with table.batch_writer() as batch:
        for item in menu()["items"]:
            batch.put_item(
                Item={
                    "pk": f"PRODUCT#{item['sku']}",
                    "sk": "META",
                    "name": item["name"],
                    "name_en": item["name_en"],
                    "category": item["category"],
                    "prep_minutes": item["prep_minutes"],
                    "on_sale": item["on_sale"],
                }
            )
        for (customer_id, sku), count in customers.items():
            batch.put_item(Item={"pk": f"CUSTOMER#{customer_id}", "sk": sku, "count": count})
        for (first, second), count in pairs.items():
            batch.put_item(Item={"pk": f"PAIR#{first}", "sk": second, "count": count})
        for sku, count in popular.items():
            batch.put_item(Item={"pk": "POPULAR", "sk": sku, "count": count})


def load_from_stacks(prefix: str = "entrega") -> None:
    """Seed a deployment (LocalStack or AWS) whose table names are in its stacks' outputs."""
    cloudformation = boto3.session.Session().client("cloudformation")

    def outputs(stack: str) -> dict[str, str]:
        described = cloudformation.describe_stacks(StackName=f"{prefix}-{stack}")["Stacks"][0]
        return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}

    inventory = outputs("inventory")
    load_inventory(
        inventory["CatalogTableName"], inventory["StockTableName"], inventory["ShopTableName"]
    )
    load_history(outputs("recommendations")["HistoryTableName"])


if __name__ == "__main__":
    # python -m entrega_local.seed: the sample shop into the deployed stacks named entrega-*.
    load_from_stacks()
