from __future__ import annotations

from pathlib import Path

import pytest

from peakready.cli import build_parser, main


def test_every_verb_names_an_importable_handler_path() -> None:
    parser = build_parser()
    for argv in (["proxy"], ["mock", "erp"], ["seed"], ["run"]):
        args = parser.parse_args(argv)
        module, _, function = args.handler.partition(":")
        assert module.startswith("peakready.") and function


def test_unknown_verb_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main(["explode"])
    assert excinfo.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_mock_magento_coverage_lists_the_schema_routes(capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    mocks = Path(__file__).resolve().parents[2] / "mocks"
    assert main(["mock", "magento", "--coverage", "--mocks-dir", str(mocks)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("store")
    for group in ("store", "catalog", "sales", "quotes", "customers", "msi", "async"):
        line = next(x for x in out.splitlines() if x.startswith(group + " "))
        served, total = (int(n) for n in line.split()[1::2])
        assert served == total > 0, line
    assert "missing GET /V1/cmsBlock/search" in out
