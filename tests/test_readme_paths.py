"""Every repository path the README and docs/ name exists, so the map stays true when files move.

A path is what a reader would open: a backticked token with a `/` (`bot/web/`, `knowledge/x.py`,
`deploy/systemd/cotesoin-*.service` as a glob), a relative link or image (`[…](docs/x.md)`), and in
the README's folder map (« Where things are ») every backticked name of the first column, root
files included (`config.yml`). Not paths: URL routes (`/console`), absolute or outside paths
(`/etc/…`, `../shared/…`), placeholders (`<token>`, `NNNN`, `…`), environment variables
(`COTESOIN_VAR_DIR/cv/`), MIME types, and what the programs make at run time (the folders of
`.gitignore`: `var/`, `models/`, `results/`…).
"""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MAP_HEADING = "## Where things are"

_BACKTICKED = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"!?\[[^\]\n]*\]\(([^)\s]+)\)")
_PATH_SHAPE = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_.\-/*]*")
_PLACEHOLDER = re.compile(r"NNNN|XXXX")
_MIME_TYPE = re.compile(r"(text|application|image|multipart)/[a-z0-9.+-]+")


def _run_time_folders() -> set:
    """Top folders `.gitignore` ignores as a whole: the programs create them."""
    folders = set()
    for line in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.endswith("/") and "*" not in line and not line.startswith("#"):
            folders.add(line.strip("/").split("/")[0])
    return folders


RUN_TIME = _run_time_folders()


def is_repository_path(token: str) -> bool:
    """Whether a backticked token names a file or folder of this repository."""
    if not _PATH_SHAPE.fullmatch(token) or "/" not in token or token.startswith(("./", "../")):
        return False
    first = token.split("/")[0]
    if first in RUN_TIME or first.isupper() or _PLACEHOLDER.search(token) or _MIME_TYPE.fullmatch(token):
        return False
    return True


def _map_rows(text: str) -> list:
    """(line number, first cell) of each row of the folder map's table."""
    rows, in_map = [], False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("## "):
            in_map = line.strip() == MAP_HEADING
        elif in_map and line.startswith("| `"):
            rows.append((number, line.split("|")[1]))
    return rows


def named_paths(document: Path, text: str = "") -> list:
    """(line number, path relative to the repository root) for every path the document names."""
    text = text or document.read_text(encoding="utf-8")
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for token in _BACKTICKED.findall(line):
            token = token.strip()
            if is_repository_path(token):
                found.append((number, token))
        for target in _LINK.findall(line):
            if re.match(r"[a-z]+:|#|/", target):
                continue
            relative = (document.parent / target.split("#")[0]).resolve().relative_to(ROOT)
            found.append((number, relative.as_posix()))
    for number, cell in _map_rows(text):
        for token in _BACKTICKED.findall(cell):
            if _PATH_SHAPE.fullmatch(token) and not token.startswith("../"):
                found.append((number, token))
    return found


def exists(path: str) -> bool:
    if "*" in path:
        return any(ROOT.glob(path))
    return (ROOT / path).exists()


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_path_a_document_names_exists(document):
    missing = [f"{document.relative_to(ROOT)}:{number}: {path}" for number, path in named_paths(document)
               if not exists(path)]
    assert not missing, "Chemins nommés qui n'existent pas (fichier déplacé ? corrigez la ligne) :\n" + "\n".join(
        missing)


def test_the_readme_map_names_paths():
    """The check reads the map: if the heading or the table changes shape, it must notice."""
    rows = _map_rows((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(rows) >= 10
    assert any("`actions/`" in cell for _, cell in rows)


@pytest.mark.parametrize("token, is_path", [
    ("bot/web/", True),
    ("knowledge/x.py", True),
    ("deploy/systemd/cotesoin-*.service", True),
    ("/console/observatoire", False),
    ("/etc/cotesoin/cotesoin.env", False),
    ("../shared/eval/nlu_external_dev.yml", False),
    ("nlu/intents/<topic>.yml", False),
    ("migrations/versions/NNNN_what_changes.py", False),
    ("var/logs/", False),
    ("COTESOIN_VAR_DIR/cv/", False),
    ("text/plain", False),
    ("make run", False),
    ("config.yml", False),
])
def test_what_counts_as_a_path(token, is_path):
    assert is_repository_path(token) is is_path


def test_a_moved_file_is_caught():
    """A document naming a file that is not there fails, with its line; so does the map."""
    text = ("Intro\n\nThe import is in `knowledge/nowhere/importer.py`.\n\n" + MAP_HEADING + "\n\n"
            "| path | what |\n|---|---|\n| `nowhere.yml` | gone |\n| `config.yml` | here |\n")
    names = named_paths(ROOT / "docs" / "example.md", text)
    assert (3, "knowledge/nowhere/importer.py") in names and (9, "nowhere.yml") in names
    assert [path for _, path in names if not exists(path)] == [
        "knowledge/nowhere/importer.py", "nowhere.yml"]
