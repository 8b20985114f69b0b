"""A real peer: Debian's Prometheus Alertmanager sends its webhooks to Vigil. Alerts are pushed into it through its
API v2, as Prometheus would; a firing group opens one incident, its resolution is noted, its repeats change nothing."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import func, select

from incidents.apikeys import service as apikeys
from incidents.context import Domain
from incidents.enums import TimelineKind
from incidents.models import Incident, TimelineEntry
from incidents.signals.models import Signal
from tests.api.conftest import MakeKey
from web.server import WebServer

BINARY = shutil.which("prometheus-alertmanager")
pytestmark = [
    pytest.mark.skipif(BINARY is None, reason="prometheus-alertmanager is not installed (./dev test installs it)"),
    pytest.mark.slow,
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def alertmanager(api: WebServer, make_key: MakeKey, tmp_path: Path) -> Iterator[str]:
    token = make_key("alertmanager", (apikeys.SIGNALS_WRITE,))
    config = {
        "route": {"receiver": "vigil", "group_by": ["alertname"], "group_wait": "1s", "group_interval": "1s"},
        "receivers": [
            {
                "name": "vigil",
                "webhook_configs": [
                    {
                        "url": f"{api.url}/api/v1/alertmanager",
                        "send_resolved": True,
                        "http_config": {"authorization": {"credentials": token}},
                    }
                ],
            }
        ],
    }
    (tmp_path / "am.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    assert BINARY is not None
    process = subprocess.Popen(
        [
            BINARY,
            f"--config.file={tmp_path / 'am.yml'}",
            f"--storage.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
            "--log.level=warn",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        until(lambda: _ready(url), "Alertmanager did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/-/ready", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def until(check: Callable[[], bool], failure: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(failure)


def push(url: str, *names: str, ends: datetime | None = None) -> None:
    started = datetime.now(UTC) - timedelta(minutes=1)
    alerts = [
        {
            "labels": {
                "alertname": "ClassifierSpike",
                "instance": name,
                "vigil_type": "hate_harassment",
                "vigil_severity": "SEV1",
                "region": "EMEA",
            },
            "annotations": {"summary": f"Harassment classifier spike on {name}"},
            "startsAt": started.isoformat(),
            **({"endsAt": ends.isoformat()} if ends else {}),
        }
        for name in names
    ]
    assert httpx.post(f"{url}/api/v2/alerts", json=alerts, timeout=5).status_code == 200


def counts(domain: Domain) -> tuple[int, int, int]:
    with domain.unit() as ctx:
        signals = ctx.session.scalar(select(func.count()).select_from(Signal)) or 0
        incidents = ctx.session.scalar(select(func.count()).select_from(Incident)) or 0
        resolved = (
            ctx.session.scalar(
                select(func.count()).where(
                    TimelineEntry.kind == TimelineKind.SIGNALS, TimelineEntry.external_id.is_not(None)
                )
            )
            or 0
        )
    return signals, incidents, resolved


def test_a_firing_group_opens_one_incident_and_its_resolution_is_noted(alertmanager: str, domain: Domain) -> None:
    push(alertmanager, "eu-1", "eu-2")
    until(lambda: counts(domain)[0] == 2, "Alertmanager's webhook did not bring both alerts")
    assert counts(domain)[1] == 1
    push(alertmanager, "eu-1", "eu-2")  # Prometheus re-sends firing alerts on every evaluation
    time.sleep(2.5)
    assert counts(domain)[:2] == (2, 1), "Alertmanager's repeats add no signal and no incident"
    push(alertmanager, "eu-1", "eu-2", ends=datetime.now(UTC) - timedelta(seconds=1))
    until(lambda: counts(domain)[2] == 2, "the resolved alerts were not noted")
    with domain.unit() as ctx:
        incident = ctx.session.scalars(select(Incident)).one()
        assert incident.status.is_open, "a resolved alert never resolves the incident"
