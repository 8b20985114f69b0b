"""Times the web view's trends page on a production-sized PostgreSQL database and prints the figures.

Usage: ``.venv/bin/python -m bench.bench_trends [--incidents N] [--runs N] [--keep] [--database NAME]``

Loads :mod:`bench.dataset` (100,000 incidents over two years) through :mod:`bench.bench_domain`'s database
helpers, adds regulatory clocks to the incidents with an EU jurisdiction, then signs in through the Slack
emulator's OpenID Connect and times ``GET /web/trends`` end to end (HTTP, queries, SVG, HTML) for each period,
plus the queries alone, against the 500 ms target.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import UTC, datetime

import httpx
import psycopg

from bench.bench_domain import ADMIN_URL, bench_database
from bench.dataset import load
from emulators.slack import SlackEmulator
from incidents.context import Domain
from incidents.db import make_engine, make_sessionmaker
from incidents.migrate import upgrade
from incidents.policy import load_policy
from incidents.spreadsheets import collect_trends
from incidents.timesource import SystemTime
from web.app import build_web_app
from web.pages import WebConfig, web_pages_router
from web.server import WebServer

TARGET_MS = 500.0
CLOCKS_SQL = """
INSERT INTO clocks (incident_id, regime, name, jurisdiction, artefact, source_url, trigger_at, aware_by,
                    deadline_kind, deadline_amount, due_at, owner_role, satisfied_at, satisfied_by, reference_id)
SELECT id, 'eu_dsa_art18', 'EU DSA Art. 18 notification of suspected criminal offences', 'EU', '', '',
       declared_at, declared_by, 'qualitative', 1, declared_at + interval '1 hour', 'legal',
       CASE WHEN random() < 0.9 THEN declared_at + random() * interval '80 minutes' END,
       declared_by, 'bench'
FROM incidents WHERE CAST(jurisdictions AS text) LIKE '%EU%'
"""


def load_fresh(url: str, incidents: int, seed: int) -> None:
    started = time.perf_counter()
    upgrade(url.replace("postgresql://", "postgresql+psycopg://", 1))
    now = datetime.now(UTC).replace(microsecond=0)
    loaded = load(url, load_policy(), incidents=incidents, timeline=incidents * 2, now=now, seed=seed)
    with psycopg.connect(url, autocommit=True) as conn:
        clocks = conn.execute(CLOCKS_SQL).rowcount
        conn.execute("VACUUM ANALYZE")
    rows = loaded.rows
    print(f"loaded in {time.perf_counter() - started:.1f} s: incidents {rows['incidents']:,}, incident types "
          f"{rows['incident_types']:,}, actions {rows['actions']:,}, clocks {clocks:,}")  # fmt: skip


def report(label: str, samples: list[float]) -> None:
    median = statistics.median(samples)
    verdict = "ok" if median < TARGET_MS else "MISSED"
    print(f"{label:<44} {median:>7.1f}ms {min(samples):>7.1f}ms {max(samples):>7.1f}ms  {verdict}")


def measure(url: str, runs: int, warmup: int) -> None:
    engine = make_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    domain = Domain(engine, make_sessionmaker(engine), load_policy(), SystemTime())
    with SlackEmulator(enforce_rate_limits=False) as emu:
        config = WebConfig(
            issuer="https://slack.com",
            discovery_url=emu.oidc_configuration_url,
            client_id=emu.client_id,
            client_secret=emu.client_secret,
            session_secret=os.urandom(24).hex(),
            leadership=(),
        )
        emu.oidc_login_as(emu.add_user("lead", "Bench Lead", "lead@example.com"))
        with (
            WebServer(build_web_app(domain, [web_pages_router(domain, config)])) as server,
            httpx.Client(base_url=server.url + "/web", follow_redirects=True, timeout=30) as client,
        ):
            assert client.get("/signin/start").url.path == "/web/incidents", "sign-in failed"
            load1, _, _ = os.getloadavg()
            print(f"\n{runs} runs after {warmup} warm-up; load average {load1:.1f}")
            print(f"{'measure':<44} {'median':>9} {'min':>9} {'max':>9}  target {TARGET_MS:.0f} ms")
            for weeks in (13, 26, 52):
                queries, pages = [], []
                for n in range(warmup + runs):
                    started = time.perf_counter()
                    with domain.unit() as ctx:
                        collect_trends(ctx, weeks, standard_only=False)
                    middle = time.perf_counter()
                    response = client.get(f"/trends?weeks={weeks}")
                    ended = time.perf_counter()
                    assert response.status_code == 200 and response.text.count("<svg") == 8
                    if n >= warmup:
                        queries.append((middle - started) * 1000)
                        pages.append((ended - middle) * 1000)
                report(f"trend queries only, {weeks} weeks", queries)
                report(f"GET /web/trends?weeks={weeks} (whole page)", pages)
            print(f"page size {len(response.content) / 1024:.0f} KiB")
    engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the database (its name is printed)")
    parser.add_argument("--database", help="measure a database kept by an earlier run instead of loading one")
    args = parser.parse_args(argv)
    if args.database:
        measure(f"{ADMIN_URL.rsplit('/', 1)[0]}/{args.database}", args.runs, args.warmup)
        return
    with bench_database(args.keep) as url:
        load_fresh(url, args.incidents, args.seed)
        measure(url, args.runs, args.warmup)


if __name__ == "__main__":
    main()
