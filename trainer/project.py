"""The project folder the trainer tools work on, its YAML files, and safe (atomic) writes.

Every tool takes `--project` so that tests (and a trainer's scratch copy) never touch the real files.
A problem the trainer must fix is raised as `Refused`, carrying one plain-language line per problem.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Dict, Iterable, List, Optional

import yaml

PROJECT = Path(__file__).resolve().parent.parent

# The YAML files whose syntax is checked before any change (and by `make check`).
YAML_LOCATIONS = ("data", "domain.yml", "config.yml", "knowledge", "tests/stories", "tests/heldout")


class Refused(Exception):
    """The entry was not added; `problems` says what to fix. No file was changed."""

    def __init__(self, problems: List[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def report(stopped: Exception) -> int:
    """Prints why a tool stopped, for a trainer, and gives its exit code (2 refused, 1 stopped)."""
    if isinstance(stopped, Refused):
        print("Refused: nothing was changed. Fix the following and run the command again:", file=sys.stderr)
        for problem in stopped.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    print(f"Stopped: {stopped}", file=sys.stderr)
    return 1


def yaml_files(root: Path, locations: Iterable[str] = YAML_LOCATIONS) -> List[Path]:
    files: List[Path] = []
    for location in locations:
        path = root / location
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files += sorted(list(path.rglob("*.yml")) + list(path.rglob("*.yaml")))
    return files


def yaml_error(path: Path, root: Path) -> Optional[str]:
    """None when `path` is valid YAML, else 'file line N, column M: what is wrong'."""
    try:
        yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = " ".join(str(x) for x in (error.context, error.problem) if x)
        return f"{relative(path, root)}{where}: broken YAML ({what})"
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        return f"{relative(path, root)}: broken YAML ({error})"
    return None


def syntax_problems(root: Path, locations: Iterable[str] = YAML_LOCATIONS) -> List[str]:
    return [p for p in (yaml_error(path, root) for path in yaml_files(root, locations)) if p]


def require_valid_yaml(root: Path, locations: Iterable[str] = YAML_LOCATIONS) -> None:
    problems = syntax_problems(root, locations)
    if problems:
        raise Refused([f"{p}. Fix that line (or undo the last edit of that file) and run the "
                       f"command again." for p in problems])


def relative(path: Path, root: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path(root).resolve()))
    except ValueError:
        return str(path)


def appended(text: str, block: str) -> str:
    """`text` with `block` appended after exactly one blank line."""
    return text.rstrip("\n") + "\n\n" + block.strip("\n") + "\n"


def yaml_scalar(value: str) -> str:
    """`value` as a YAML scalar: plain when that reads back unchanged, else double-quoted."""
    try:
        if yaml.safe_load(f"k: {value}") == {"k": value} and value.strip() == value:
            return value
    except yaml.YAMLError:
        pass
    import json
    return json.dumps(value, ensure_ascii=False)


def write_atomically(changes: Dict[Path, str]) -> None:
    """Write every file through a temporary file in its own folder, then rename it into place."""
    temporary: Dict[Path, str] = {}
    try:
        for path, text in changes.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            if path.exists():
                os.chmod(name, path.stat().st_mode & 0o777)
            temporary[path] = name
        for path, name in temporary.items():
            os.replace(name, path)
    finally:
        for name in temporary.values():
            if os.path.exists(name):
                os.unlink(name)
