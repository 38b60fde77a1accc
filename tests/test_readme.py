"""The README's two set-up commands stay runnable as written: CI runs command 2 verbatim."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup_commands() -> list[str]:
    """The command lines of the README's first code block (comments dropped)."""
    block = re.search(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S).group(1)
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_ci_runs_the_readme_test_command_verbatim():
    demo, tests = setup_commands()
    assert demo.endswith(".venv/bin/lorafy demo")
    ci = [line for line in (ROOT / ".ci/run").read_text(encoding="utf-8").splitlines() if line.startswith("python3 ")]
    assert ci == [tests]
