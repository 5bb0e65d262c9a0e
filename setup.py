"""Build hook: an installed Kindred (`pip install .`, not editable) carries the folders it reads beside
the code — templates/, migrations/ and the shipped data/ (catalogue, vocabulary) — inside the
package as finder/_shipped/ (finder/config.py finds them there). Everything else is in pyproject.toml."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
# Folder -> the files it ships (relative glob patterns); the site's own files in data/ (database, secret key,
# outbox, gazetteer, sources.local.toml) are never packaged.
SHIPPED = {
    "templates": ["**/*.html", "**/*.txt"],
    "migrations": ["env.py", "script.py.mako", "versions/*.py"],
    "data": ["sources.toml", "tags.toml"],  # demo/ is written by `finder demo load` around its day
}


class BuildPyWithShipped(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib) / "finder" / "_shipped"
        for folder, patterns in SHIPPED.items():
            for pattern in patterns:
                for source in sorted((HERE / folder).glob(pattern)):
                    if source.is_file():
                        destination = target / folder / source.relative_to(HERE / folder)
                        destination.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(source, destination)


setup(cmdclass={"build_py": BuildPyWithShipped})
