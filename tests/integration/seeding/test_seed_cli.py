"""`peakready seed` end to end over a real loopback socket."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from peakready.cli import main

REPO = Path(__file__).resolve().parents[3]
TOKEN = "s3cr3t-token-value-for-tests"  # what the conftest stand-in accepts


def test_seed_verb_fills_the_store_and_prints_a_summary(
        live_store: tuple[Any, str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    store, url = live_store
    monkeypatch.chdir(REPO)  # fixtures/ is found from the working directory
    monkeypatch.setenv("SHOP_TOKEN", TOKEN)
    code = main(["seed", "--profile", "tiny", "--seed", "2", "--target", url,
                 "--token-env", "SHOP_TOKEN"])
    out, err = capsys.readouterr()
    assert code == 0
    assert len(store.products) == 42 and len(store.customers) == 10
    assert "products   created     42" in out
    assert "customers  created     10" in out
    assert "seeding profile tiny (seed 2)" in err
    assert TOKEN not in out + err


def test_seed_verb_exits_3_when_rows_fail(
        live_store: tuple[Any, str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    store, url = live_store
    store.script["POST /rest/V1/customers"] = [(500, {"message": "deadlock"}, {})]
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("SHOP_TOKEN", TOKEN)
    code = main(["seed", "--profile", "tiny", "--target", url, "--token-env", "SHOP_TOKEN"])
    out, _ = capsys.readouterr()
    assert code == 3
    assert "deadlock" in out


def test_seed_verb_refuses_a_foreign_host(monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("SHOP_TOKEN", TOKEN)
    code = main(["seed", "--target", "https://shop.example.com", "--token-env", "SHOP_TOKEN"])
    assert code == 2
    assert "refusing" in capsys.readouterr().err
