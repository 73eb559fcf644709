"""``peakready seed``: generate a fixture profile and push it into the simulator or a store.

Without ``--target`` the simulator on http://127.0.0.1:8280 is seeded with its built-in admin
integration token (env ``PEAKREADY_SIM_TOKEN``, else the documented default). With
``--target`` a token is required, read from the environment variable named by ``--token-env``,
so it never appears on a command line, in shell history or in a log.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from peakready.errors import ConfigError
from peakready.mockkit.settings import DEFAULT_PORTS
from peakready.seeding.profiles import generate_catalog
from peakready.seeding.store_seeder import StoreSeeder

__all__ = ["SIMULATOR_TOKEN_DEFAULT", "SIMULATOR_TOKEN_ENV", "main", "resolve_target"]

SIMULATOR_TOKEN_ENV = "PEAKREADY_SIM_TOKEN"
SIMULATOR_TOKEN_DEFAULT = "peakready-simulator-admin-token"


def resolve_target(target: str | None, token_env: str | None) -> tuple[str, str]:
    """(base URL, token) for the flags; ConfigError when a real store has no usable token."""
    if target is None:
        url = f"http://127.0.0.1:{DEFAULT_PORTS['magento']}"
        name = token_env or SIMULATOR_TOKEN_ENV
        return url, os.environ.get(name) or SIMULATOR_TOKEN_DEFAULT
    if not target.startswith(("http://", "https://")):
        raise ConfigError(f"--target {target!r}: give the store's base URL, e.g. "
                          f"https://staging.example.com")
    if not token_env:
        raise ConfigError(f"--target {target} needs --token-env VAR naming the environment "
                          f"variable that holds an admin integration token")
    token = os.environ.get(token_env, "")
    if not token:
        raise ConfigError(f"--token-env {token_env}: the environment variable is unset or "
                          f"empty; export it with the store's integration access token")
    return target, token


def _progress(kind: str, done: int, total: int) -> None:
    # One rewritten status line on a terminal, a line per 10 % otherwise.
    if sys.stderr.isatty():
        end = "\n" if done == total else ""
        print(f"\r  {kind:<10} {done:>7}/{total}", end=end, file=sys.stderr, flush=True)
    elif done == total or done % max(1, total // 10) == 0:
        print(f"  {kind:<10} {done:>7}/{total}", file=sys.stderr, flush=True)


def main(args: argparse.Namespace) -> int:
    url, token = resolve_target(args.target, args.token_env)
    seeder = StoreSeeder(url, token, allow_hosts=args.allow_host, progress=_progress)
    catalog = generate_catalog(args.profile, args.seed)
    print(f"seeding profile {catalog.profile} (seed {catalog.seed}): "
          f"{len(catalog.products)} products ({len(catalog.hot_skus)} hot), "
          f"{len(catalog.customers)} customers → {url}", file=sys.stderr)
    summary = asyncio.run(seeder.seed(catalog))
    print("\n".join(summary.lines()))
    # A partly seeded store is the harness failing at its job, not a verdict (DESIGN §4).
    return 0 if summary.failed == 0 else 3
