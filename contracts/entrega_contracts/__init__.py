"""Entrega's contracts: JSON Schemas of every event and saga task, and helpers to honour them."""
