"""Every user-facing string has a Chinese translation, and the catalogue matches the code."""

import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# Where user-facing strings live; tests, benchmarks and dependencies are not translated.
SOURCES = ["papers", "students", "readinglist", "templates"]


def msgattrib(option: str, path: Path) -> str:
    return subprocess.run(["msgattrib", option, "--no-wrap", str(path)], capture_output=True, text=True, check=True).stdout


def test_every_string_in_the_code_has_a_chinese_translation(tmp_path, monkeypatch):
    # makemessages writes into any "locale" folder it finds under the current
    # directory, so it runs in a scratch tree that links to the code and holds
    # a copy of the catalogue: a new string comes out untranslated, a changed
    # one fuzzy, and the real catalogue is never touched.
    for name in SOURCES:
        (tmp_path / name).symlink_to(Path(settings.BASE_DIR) / name)
    copy = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    copy.parent.mkdir(parents=True)
    shutil.copy(CATALOGUE, copy)
    before = CATALOGUE.read_bytes()
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command("makemessages", locale=["zh_Hans"], symlinks=True, no_obsolete=True, verbosity=0)
    assert CATALOGUE.read_bytes() == before, "the check must not rewrite the real catalogue"
    merged = copy.read_text(encoding="utf-8")
    assert 'msgid "Intro papers"' in merged and 'msgid "Claim"' in merged, "makemessages did not scan the code"
    untranslated = msgattrib("--untranslated", copy)
    fuzzy = msgattrib("--only-fuzzy", copy)
    missing = [line for line in (untranslated + fuzzy).splitlines() if line.startswith("msgid ") and line != 'msgid ""']
    assert not missing, "Translate these in locale/zh_Hans (make messages):\n" + "\n".join(missing)


def test_compiled_catalogue_is_valid():
    subprocess.run(["msgfmt", "--check-format", "-o", "/dev/null", str(CATALOGUE)], check=True)
