"""docs/plugins/authoring.md stays true: its excerpts are the example's code, its commands are CI's."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "plugins" / "authoring.md").read_text(encoding="utf-8")
EXAMPLE = ROOT / "examples" / "stacktrack-github-copilot"
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.DOTALL)


def test_every_excerpt_is_the_examples_code_verbatim() -> None:
    excerpts = 0
    for _lang, body in BLOCK.findall(DOC):
        first, _, code = body.partition("\n")
        match = re.fullmatch(r"# (\S+) \(excerpt\)", first)
        if match is None:
            continue
        excerpts += 1
        source = (EXAMPLE / match.group(1)).read_text(encoding="utf-8")
        assert code.rstrip("\n") in source, f"{match.group(1)}: the excerpt is not in the file"
    assert excerpts >= 8


def test_the_install_and_run_commands_are_the_ones_ci_runs() -> None:
    section = DOC.split("## 7. Install, check, run", 1)[1].split("\n## ", 1)[0]
    (console,) = [body for lang, body in BLOCK.findall(section) if lang == "console"]
    commands = [line[2:] for line in console.splitlines() if line.startswith("$ ")]
    assert len(commands) == 4
    ci = [
        shlex.split(line.split("|", 1)[0])
        for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    for command in commands:
        words = shlex.split(command)
        # CI may add quiet flags; every word of the documented command must be there, in order.
        assert any(_in_order(words, line) for line in ci), command


def _in_order(words: list[str], line: list[str]) -> bool:
    rest = iter(line)
    return bool(line) and line[0] == words[0] and all(word in rest for word in words)
