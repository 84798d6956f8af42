"""Every environment variable the code reads is in `.env.example` and in the README's table, and
neither lists one that nothing reads any more."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("actions", "bot", "components", "knowledge", "migrations", "scripts", "tests")
# A variable read: os.environ.get("X"), environ["X"], os.getenv("X"), settings' _int("X", …) and
# _secret("X", …), os.environ.setdefault("X", …), or a constant X_ENV = "X" handed to one of them.
_READ = re.compile(
    r"""(?:environ(?:\.get)?|getenv|\b_int|\b_secret|setdefault|env\.get)\(\s*["']([A-Z][A-Z0-9_]{2,})["']"""
    r"""|environ\[\s*["']([A-Z][A-Z0-9_]{2,})["']\s*\]"""
    r"""|_ENV\s*=\s*["']([A-Z][A-Z0-9_]{2,})["']""")


def variables_read() -> dict:
    read = {}
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for match in _READ.finditer(path.read_text(encoding="utf-8")):
                name = next(group for group in match.groups() if group)
                read.setdefault(name, path.relative_to(ROOT).as_posix())
    # Rasa expands ${X} in its YAML files; the servers get them from bot/settings.py.
    for config in ("credentials.yml", "endpoints.yml"):
        for name in re.findall(r"\$\{([A-Z_]+)\}", (ROOT / config).read_text(encoding="utf-8")):
            read.setdefault(name, config)
    return read


def in_env_example() -> set:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^# ([A-Z][A-Z0-9_]{2,})=", text, re.MULTILINE))


def in_readme_table() -> set:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]{2,})`", line.split("|")[1]))
    return names


def test_the_scan_finds_the_settings_modules_reads():
    read = variables_read()
    assert {"DATABASE_URL", "RASA_PORT", "WIDGET_SECRET_KEY", "HANDOFF_CLAIM_DELAY_MINUTES", "SMTP_HOST"} <= set(read)


def test_env_example_lists_every_variable_read_and_no_other():
    read, listed = variables_read(), in_env_example()
    missing = {name: read[name] for name in set(read) - listed}
    assert not missing, f"Variables lues mais absentes de .env.example : {missing}"
    assert not listed - set(read), f"Variables de .env.example que rien ne lit : {sorted(listed - set(read))}"


def test_the_readme_table_lists_every_variable_read_and_no_other():
    read, listed = variables_read(), in_readme_table()
    missing = {name: read[name] for name in set(read) - listed}
    assert not missing, f"Variables lues mais absentes du tableau du README : {missing}"
    assert not listed - set(read), f"Variables du README que rien ne lit : {sorted(listed - set(read))}"
