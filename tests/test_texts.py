"""One home for every French text: `knowledge/texts.py` reads `knowledge/texts/*.yml` (issue 21).

- The loader: a text filled with its values; a missing key or value fails loudly (`MissingText`,
  a `KeyError` naming the key), never silently.
- The code and the YAML agree: every key the code asks for exists, with the values its
  placeholders need, and every key of the YAML is asked for somewhere (no dead texts).
- No user-facing French sentence left in Python: a string literal of `actions/`, `bot/`,
  `knowledge/`, `components/` that looks French (an accented letter, « », or a French word of
  FRENCH_WORDS) is a defect, unless it is a docstring, a log call's argument, a regular
  expression (`re.*(...)`), an element of a set literal (words people type, matched, not shown), the
  reason given to `NotFound(...)` (logged; people get a French 404 page or answer),
  or in ALLOWED / ALLOWED_LITERALS below with its reason.
"""
import ast
import re
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set, Tuple

import pytest

from knowledge import texts as loader
from knowledge.texts import MissingText, placeholders, text, texts

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("actions", "bot", "knowledge", "components")

# The functions that read a text, by module: (module, name) -> position of the key argument.
LOADERS = {("knowledge.texts", "text"): 0, ("knowledge.texts", "template"): 0,
           ("actions.messages", "text"): 0, ("actions.messages", "say"): 1}

FRENCH = re.compile(r"[àâäçéèêëîïôöùûüÿœæÀÂÇÉÈÊËÎÏÔÖÙÛÜŒÆ«»]")
FRENCH_WORDS = re.compile(r"\b(vous|votre|vos|merci|bonjour|veuillez|réessayez|impossible|aucun|aucune"
                          r"|désolé|postuler|envoyez|choisissez|écrivez)\b", re.IGNORECASE)

# What a text key written in code looks like (its feature's prefix, a dot, its name).
KEY_LIKE = re.compile(r"(button|telegram|web|cv|alerts|mail|rest|console|date|piece|profession|plan_hint|plan_where"
                      r"|plan_situation|editing|import)"
                      r"(\.[a-z0-9_]+)+(?<!\.log)")  # lower case, not a file name (web.log)

# Files whose French string literals are not read by the people the guichet serves, each with why.
# A path ending in "/" covers the folder.
ALLOWED: Dict[str, str] = {
    "bot/cli.py": "the `cotesoin` command's help and terminal output, for the operator (like logs)",
    "bot/privacy_cli.py": "`cotesoin privacy` terminal output, for the operator",
    "bot/telegram/cli.py": "`cotesoin telegram` terminal output, for the operator",
    "bot/web/console/cli.py": "`cotesoin console` terminal output (accounts), for the operator",
    "bot/alerts/cli.py": "`cotesoin alerts` terminal output, for the operator",
    "bot/web/__main__.py": "command-line help of `python -m bot.web`, for the operator",
    "bot/services.py": "the service runner's terminal output (starting, restarting), for the operator",
    "bot/scaled.py": "the scaled runner's terminal output, for the operator",
    "bot/rasa_speedups.py": "names of Rasa patches in the operator's start-up log line",
    "bot/telegram/settings.py": "configuration errors stopping the start-up, for the operator",
    "bot/telegram/logs.py": "log masking (operator's logs)",
    "bot/telegram/app.py": "a log/terminal line for the operator (Telegram disabled)",
    "bot/telegram/channel.py": "webhook status reasons read by Telegram's servers, not by a person",
    "bot/mail/outbox.py": "outbox errors and names written in the operator's logs and audit",
    "bot/rasa_process.py": "the Rasa server's start-up line in the operator's log",
    "knowledge/coordination/accounts.py": "account errors of the operator's `cotesoin coordinator` command",
    "knowledge/coordination/office_hours.py": "the checks of knowledge/coordination/handoff.yml at start, for the "
                                              "operator, and its day names (the file's keys); the hours said to "
                                              "people are in knowledge/texts/dates.yml",
    "knowledge/log_masking.py": "log masking (operator's logs)",
    "knowledge/masking.py": "the placeholders written in place of personal data in stored transcripts",
    "knowledge/partners/name_masking.py": "the placeholder written in place of a place name in stored transcripts",
    "knowledge/coordination/holidays.py": "the names of French public holidays (data of the calendar, one home)",
    "knowledge/coordination/mail_settings.py": "the default sender address, a setting (overridden by MAIL_FROM)",
    "knowledge/partners/export.py": "headers and help written inside the exported files (data files, not messages)",
    "knowledge/conversations/review.py": "comment headers written at the top of the review YAML files (data files)",
}

# Single literals of other files that are not shown, each with why: (file, literal) -> reason.
ALLOWED_LITERALS: Dict[Tuple[str, str], str] = {
    ("actions/contact.py", "<>()[]{}«»\"'“”‘’,;:!?."): "characters trimmed around a contact people type",
    ("actions/plan_answers.py", "aucun"): "the slot value of a plan answer « none », never shown",
    ("bot/web/views.py", "dégradé"): "the health check's JSON status, read by the supervision",
    ("knowledge/coordination/applications.py", "/?postuler="): "a query parameter of the site's address",
    ("knowledge/partners/plan_builder.py", "aucun"): "the code of a housing need (« pas besoin »), never shown",
    ("knowledge/partners/editing.py", "événement"): "the noun of NotFound's reason (a 404, never shown)",
    ("knowledge/partners/editing.py", " modifié entre-temps"):
        "`Changed`'s reason: the form shows the record as it now is",
    ("knowledge/partners/importer.py", "pas de vérification ligne à ligne pour "): "a programming error, never shown",
    ("knowledge/coordination/privacy.py", " doit être un nombre entier de mois (≥ 1)"): "privacy.yml checked at start",
    **{("bot/web/console/observatory.py", header): "a column of the observatory's CSV exports (a data file's format)"
       for header in ("attente médiane (minutes)", "traitement médian (minutes)", "thème", "métier",
                      "personnes sans offre trouvée", "recherches sans résultat", "plans sans rien trouvé",
                      "question (masquée)")},
}


def python_files() -> Iterator[Path]:
    for package in PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def allowed(path: Path) -> bool:
    name = relative(path)
    return any(name == entry or (entry.endswith("/") and name.startswith(entry)) for entry in ALLOWED)


def _docstrings(tree: ast.AST) -> Set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _is_log_or_regex_call(node: ast.Call) -> bool:
    func = node.func
    if isinstance(func, ast.Name) and func.id == "NotFound":  # its reason is logged; people get a 404 page/text
        return True
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        if func.value.id in ("logger", "log", "logging", "re"):
            return True
    return False


def _excused(tree: ast.AST) -> Set[int]:
    """Constants in docstrings, log calls, regular expressions and set literals."""
    excused = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _is_log_or_regex_call(node) or isinstance(node, ast.Set):
            excused.update(id(inner) for inner in ast.walk(node))
    return excused


def french_literals(path: Path) -> List[Tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    excused = _excused(tree)
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in excused
            and (FRENCH.search(node.value) or FRENCH_WORDS.search(node.value))]


def _loader_names(tree: ast.AST) -> Dict[str, int]:
    """The local names under which a module imported a text-reading function -> key position."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                position = LOADERS.get((node.module, alias.name))
                if position is not None:
                    names[alias.asname or alias.name] = position
    return names


def _keys_of(node: ast.AST) -> List[ast.AST]:
    """The alternatives of a key argument: `"a" if x else "b"` gives both."""
    if isinstance(node, ast.IfExp):
        return _keys_of(node.body) + _keys_of(node.orelse)
    return [node]


def _pattern(node: ast.JoinedStr) -> str:
    return "".join(re.escape(part.value) if isinstance(part, ast.Constant) else ".+" for part in node.values)


def key_uses() -> Iterator[Tuple[str, int, Optional[str], Optional[str], Optional[Set[str]]]]:
    """(file, line, literal key or None, pattern of an f-string key or None, keywords given or None).

    The keywords are None when the call passes `**values` or reads a template (filled later)."""
    for path in python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = _loader_names(tree)
        if path == ROOT / "knowledge" / "texts.py":
            continue
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names):
                continue
            position = names[node.func.id]
            if len(node.args) <= position:
                continue
            given = {k.arg for k in node.keywords if k.arg is not None}
            unknown = node.func.id == "template" or any(k.arg is None for k in node.keywords)
            keywords = None if unknown else given - {"buttons"}
            for key in _keys_of(node.args[position]):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    yield relative(path), node.lineno, key.value, None, keywords
                elif isinstance(key, ast.JoinedStr):
                    yield relative(path), node.lineno, None, _pattern(key), keywords


def f_string_patterns() -> Set[str]:
    """The f-strings of the modules that read texts, as patterns (`f"{prefix}_found"` -> `.+_found`)."""
    found = set()
    for path in python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if _loader_names(tree):
            found.update(_pattern(node) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr))
    return found


def literals_in_code() -> Set[str]:
    found = set()
    for path in python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    return found


# --- The loader ------------------------------------------------------------------------------------

def test_a_text_is_filled_with_its_values():
    assert text("handoff_recorded", request_id=12).startswith("C'est noté : votre demande n° 12 est transmise")
    assert placeholders("handoff_recorded") == {"request_id"}


def test_an_unknown_key_fails_loudly_naming_it():
    with pytest.raises(MissingText, match="no text .no_such_text."):
        text("no_such_text")
    with pytest.raises(KeyError):  # what callers of the old actions.messages.text caught
        text("no_such_text")


def test_a_missing_value_fails_loudly_naming_the_key_and_the_placeholder():
    with pytest.raises(MissingText, match="handoff_recorded.*request_id"):
        text("handoff_recorded")


def test_a_key_defined_in_two_files_is_refused(tmp_path, monkeypatch):
    (tmp_path / "a.yml").write_text("hello: Bonjour\n", encoding="utf-8")
    (tmp_path / "b.yml").write_text("hello: Salut\n", encoding="utf-8")
    monkeypatch.setattr(loader, "TEXTS_DIR", tmp_path)
    texts.cache_clear()
    try:
        with pytest.raises(ValueError, match="hello.*already defined in a.yml"):
            texts()
    finally:
        texts.cache_clear()


def test_every_text_is_a_non_empty_string_with_well_formed_placeholders():
    for key in texts():
        assert texts()[key].strip(), key
        # raises ValueError on an unbalanced brace; a literal brace is written {{ }}
        assert all(name.isidentifier() for name in placeholders(key)), (key, placeholders(key))


# --- The code and the YAML agree ---------------------------------------------------------------------

def test_every_key_used_in_code_exists_with_the_values_it_needs():
    problems = []
    for where, line, key, _, keywords in key_uses():
        if key is None:
            continue
        if key not in texts():
            problems.append(f"{where}:{line}: no text « {key} »")
        elif keywords is not None and not placeholders(key) <= keywords:
            problems.append(f"{where}:{line}: « {key} » needs {sorted(placeholders(key) - keywords)}")
    assert not problems, "\n".join(problems)


def test_every_key_named_in_code_exists():
    """Keys kept in tables and read later (`("button.no_thanks", "/deny")`) exist too."""
    named = {value for value in literals_in_code() if KEY_LIKE.fullmatch(value)}
    assert len(named) > 50
    assert sorted(named - set(texts())) == []


def test_every_text_of_the_yaml_is_used():
    patterns = [re.compile(pattern) for pattern in f_string_patterns()]
    literals = literals_in_code()  # keys chosen from a table or passed along (`say(dispatcher, response)`)
    dead = [key for key in texts()
            if key not in literals and not any(pattern.fullmatch(key) for pattern in patterns)]
    assert not dead, f"texts no code uses: {dead}"


def test_the_scanner_sees_loader_calls():
    """Guard against a scanner that finds nothing (and so passes whatever the code does)."""
    found = {(where, key) for where, _, key, _, _ in key_uses()}
    assert ("actions/dialogue.py", "offer_human") in found
    assert len(found) > 100


# --- No user-facing French left in Python ----------------------------------------------------------

def test_no_user_facing_french_sentence_in_python():
    found = [f"{relative(path)}:{line}: {value[:80]!r}"
             for path in python_files() if not allowed(path) for line, value in french_literals(path)
             if (relative(path), value) not in ALLOWED_LITERALS]
    assert not found, "French texts to move to knowledge/texts/*.yml:\n" + "\n".join(found)


def test_the_french_detector_finds_a_sentence_and_excuses_docstrings_logs_and_regexes(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('"""Le module."""\nimport logging, re\nlogger = logging.getLogger()\n'
                      'def f():\n    """Une fonction déjà documentée."""\n'
                      '    logger.info("démarré")\n    re.compile("all[ée]e")\n'
                      '    return "Votre demande est enregistrée."\n', encoding="utf-8")
    assert french_literals(sample) == [(8, "Votre demande est enregistrée.")]


def test_every_allowance_is_still_needed():
    assert [entry for entry in ALLOWED if not (ROOT / entry).exists()] == []
    assert [entry for entry in ALLOWED if not any(french_literals(path) for path in python_files()
                                                  if relative(path).startswith(entry))] == []
    assert [(name, value) for name, value in ALLOWED_LITERALS
            if value not in {found for _, found in french_literals(ROOT / name)}] == []
