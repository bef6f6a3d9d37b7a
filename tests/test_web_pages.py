"""The web pages as the embedded gateway serves them: files, config.json, the saga's ASL."""

from __future__ import annotations

import json
import socket

import requests
from typer.testing import CliRunner

from entrega_local.cli import app
from entrega_local.webpages import SAGA_DEFINITION, WEB


def test_pages_are_served_with_their_type_and_a_strict_content_policy(stack):
    answer = requests.get(f"{stack.web_url}/track.html", timeout=5)

    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert answer.content == (WEB / "track.html").read_bytes()
    policy = dict(
        rule.strip().split(" ", 1) for rule in answer.headers["Content-Security-Policy"].split(";")
    )
    socket_origin = stack.output("notifications", "TrackingSocketUrl").rsplit("/", 2)[0]
    assert policy["default-src"] == "'self'"
    assert socket_origin in policy["connect-src"].split()
    assert answer.headers["Referrer-Policy"] == "no-referrer"


def test_the_folder_opens_its_index_with_the_slash_its_links_need(stack):
    bare = requests.get(stack.web_url, timeout=5, allow_redirects=False)
    index = requests.get(f"{stack.web_url}/", timeout=5)

    assert bare.status_code == 301
    assert bare.headers["Location"] == "/web/"
    assert index.content == (WEB / "index.html").read_bytes()


def test_config_names_the_running_api_and_tracking_socket(stack):
    config = requests.get(f"{stack.web_url}/config.json", timeout=5).json()

    assert config["api_url"] == stack.url
    assert config["socket_url"] == stack.output("notifications", "TrackingSocketUrl")


def test_saga_view_reads_the_workflow_file_the_saga_runs(stack):
    answer = requests.get(f"{stack.web_url}/order-saga.asl.json", timeout=5)

    assert answer.headers["Content-Type"] == "application/json"
    assert answer.content == SAGA_DEFINITION.read_bytes()


def test_nothing_outside_web_is_served(stack):
    host, port = stack.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        raw.sendall(b"GET /web/../pyproject.toml HTTP/1.1\r\nHost: x\r\n\r\n")
        status_line = raw.makefile("rb").readline()
    template = requests.get(f"{stack.web_url}/template.yaml", timeout=5)

    assert status_line.split()[1] == b"404"
    assert template.status_code == 404


def test_pages_take_only_reads_and_leave_the_api_routes_alone(stack, api):
    posted = requests.post(f"{stack.web_url}/track.html", timeout=5)
    catalog = requests.get(f"{stack.url}/catalog", timeout=5)

    assert posted.status_code == 405
    assert catalog.status_code == 200
    assert "items" in catalog.json()


def test_web_config_command_prints_a_deployments_config():
    result = CliRunner().invoke(
        app, ["web-config", "--socket-url", "wss://abc.execute-api.sa-east-1.amazonaws.com/live"]
    )

    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "api_url": "",
        "socket_url": "wss://abc.execute-api.sa-east-1.amazonaws.com/live",
        "board_refresh_seconds": 3,
    }
