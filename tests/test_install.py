"""`pip install .` (not editable) gives a working Kindred: migrations, templates and the shipped data come
inside the package, the site's own files go to ./data (or FINDER_DATA_DIR) of the folder it runs in.

The package is built and installed (no dependencies: they are this environment's) into a folder of its
own, then run from a folder outside the repository: migrate, load the demo, search, serve a page.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# Built from a copy: pip builds in the source tree (build/, *.egg-info), and two builds of one tree at once
# (one per xdist worker, or a build left over from an earlier run) fail with "File exists".
NOT_SOURCE_NAMES = shutil.ignore_patterns(
    ".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache", "node_modules", "*.sqlite*"
)


def not_source(folder: str, names: list[str]) -> set[str]:
    ignored = set(NOT_SOURCE_NAMES(folder, names))
    if Path(folder) == REPO / "data":
        ignored |= {"demo", "outbox", "secret_key"} & set(names)  # the site's own files, never packaged
    return ignored


pytestmark = pytest.mark.xdist_group("installed-package")  # one worker builds it once


def run(args: list[str], cwd: Path, env: dict, timeout: int = 300) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site")
    source = tmp_path_factory.mktemp("source") / "kindred"
    shutil.copytree(REPO, source, ignore=not_source, symlinks=True)
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-cache-dir",
            "--target",
            str(target),
            str(source),
        ],
        cwd=tmp_path_factory.getbasetemp(),
        env=dict(os.environ),
    )
    assert (target / "finder" / "_shipped" / "migrations" / "env.py").is_file()
    return target


def test_installed_package_migrates_loads_the_demo_and_searches_outside_the_repository(
    installed, tmp_path, gazetteer_path
):
    where = tmp_path / "srv"
    (where / "data").mkdir(parents=True)
    (where / "data" / "gazetteer.sqlite").symlink_to(gazetteer_path)  # the test gazetteer: every demo city
    env = {key: value for key, value in os.environ.items() if not key.startswith("FINDER_")}
    env["PYTHONPATH"] = str(installed)
    finder = [sys.executable, "-m", "finder"]

    located = run([sys.executable, "-c", "import finder.config as c; print(c.__file__, c.IN_CHECKOUT)"], where, env)
    assert located.startswith(str(installed)) and located.split()[-1] == "False"
    assert "database at head" in run(finder + ["db", "upgrade"], where, env)
    loaded = re.search(r"(\d+) new listing", run(finder + ["demo", "load"], where, env))
    assert loaded and int(loaded.group(1)) >= 400  # the whole demo, through the installed adapters
    found = run(finder + ["search", "query", "where=London", "interests=volunteering"], where, env)
    assert "found near London" in found and not found.startswith("0 found")
    assert {p.name for p in (where / "data").iterdir()} >= {"kindred.sqlite", "secret_key", "gazetteer.sqlite"}
    assert not list(installed.glob("finder/_shipped/data/*.sqlite"))  # nothing written into the package

    page = run(
        [
            sys.executable,
            "-c",
            "from finder import create_app\nclient = create_app().test_client()\n"
            "answer = client.get('/search?where=London')\nprint(answer.status_code, 'Kindred' in answer.text)\n"
            "print(client.get('/static/css/site.css').status_code)",
        ],
        where,
        env,
    )
    assert page.split() == ["200", "True", "200"]


def test_data_dir_setting_moves_the_sites_own_files(installed, tmp_path):
    own = tmp_path / "var-lib-kindred"
    env = {key: value for key, value in os.environ.items() if not key.startswith("FINDER_")}
    env.update(PYTHONPATH=str(installed), FINDER_DATA_DIR=str(own))
    run([sys.executable, "-m", "finder", "db", "upgrade"], tmp_path, env)
    out = run(
        [
            sys.executable,
            "-c",
            "from finder.config import Config\nc = Config.from_env()\n"
            "print(c.path(c.SOURCES_FILE)); print(c.path(c.OUTBOX_DIR))",
        ],
        tmp_path,
        env,
    ).split()
    assert (own / "kindred.sqlite").is_file()
    assert out[0].startswith(str(installed)) and out[0].endswith("_shipped/data/sources.toml")  # shipped, read only
    assert out[1] == str(own / "outbox")
