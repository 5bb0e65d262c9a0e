"""`finder doctor`, `finder new-adapter`, `finder demo load` and the help text."""

from __future__ import annotations

from finder import create_app
from finder.cli import main
from finder.cli.scaffold import create_adapter
from finder.cli.tools import doctor_command
from tests.conftest import make_test_config


def test_help_lists_every_command_with_one_line():
    result = create_app(make_test_config("sqlite://", None)).test_cli_runner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in ("scrape", "sources", "parse", "alerts", "scheduler", "demo", "doctor", "new-adapter", "serve", "db"):
        assert f"  {name} " in result.output, name


def test_doctor_says_what_to_do_on_an_empty_database(tmp_path):
    app = create_app(
        make_test_config(
            f"sqlite:///{tmp_path}/empty.sqlite", tmp_path, GAZETTEER_PATH=str(tmp_path / "missing.sqlite")
        )
    )
    result = app.test_cli_runner().invoke(doctor_command)
    assert result.exit_code == 1
    assert "no database yet: run `finder db upgrade`" in result.output
    assert "run `finder gazetteer build`" in result.output
    assert "ok   catalogue" in result.output


def test_doctor_passes_on_a_migrated_database_with_a_gazetteer(migrated_url, tmp_path, gazetteer_path):
    app = create_app(make_test_config(migrated_url, tmp_path, GAZETTEER_PATH=str(gazetteer_path)))
    result = app.test_cli_runner().invoke(doctor_command)
    assert "ok   database" in result.output, result.output
    assert "ok   gazetteer" in result.output, result.output
    assert result.exit_code == 0, result.output


def test_new_adapter_scaffold_creates_three_files_that_fail_until_filled_in(tmp_path):
    (tmp_path / "scrapers").mkdir()
    (tmp_path / "tests").mkdir()
    paths = create_adapter(tmp_path, "town_hall")
    assert sorted(p.relative_to(tmp_path).as_posix() for p in paths) == [
        "scrapers/town_hall.py",
        "tests/fixtures/town_hall/sample.json",
        "tests/test_town_hall.py",
    ]
    source = (tmp_path / "scrapers" / "town_hall.py").read_text()
    assert '@register("town_hall")' in source and "class TownHallAdapter(Adapter)" in source
    namespace: dict = {}
    exec(compile(source.replace('@register("town_hall")\n', ""), "town_hall.py", "exec"), namespace)
    from scrapers.base import ParseError

    adapter = namespace["TownHallAdapter"]()
    try:
        adapter.parse((tmp_path / "tests" / "fixtures" / "town_hall" / "sample.json").read_bytes(), "")
    except ParseError as error:
        assert "map the item's fields" in str(error)
    else:
        raise AssertionError("an unfilled scaffold must fail")


def test_new_adapter_refuses_bad_names_and_existing_files(tmp_path):
    (tmp_path / "scrapers").mkdir()
    (tmp_path / "tests").mkdir()
    for bad in ("Bad", "../x", "a b", ""):
        try:
            create_adapter(tmp_path, bad)
        except ValueError:
            continue
        raise AssertionError(f"accepted {bad!r}")
    create_adapter(tmp_path, "feed")
    try:
        create_adapter(tmp_path, "feed")
    except FileExistsError as error:
        assert "already exists" in str(error)
    else:
        raise AssertionError("overwrote an existing adapter")
