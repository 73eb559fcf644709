from __future__ import annotations

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
