"""docs/layout.md matches the repository: its folder table lists exactly the tracked folders (two
levels deep, three under models/, macros/ and tests/), and the Python packages import only what
its "What may use what" table allows."""

from __future__ import annotations

import ast
import re
import subprocess

from support import REPO

PAGE = REPO / "docs" / "layout.md"
DEEPER = {"models", "macros", "tests"}


def table(heading: str) -> list[list[str]]:
    """The body rows (cells stripped) of the first table after `heading`."""
    lines = PAGE.read_text(encoding="utf-8").split(heading, 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[start + 2 : end]]


def documented_folders() -> set[str]:
    return {re.fullmatch(r"`(.+)/`", row[0]).group(1) for row in table("## Folders")}


def tracked_folders() -> set[str]:
    files = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True)
    folders = set()
    for path in files.stdout.splitlines():
        parts = path.split("/")[:-1]
        depth = 3 if parts and parts[0] in DEEPER else 2
        folders.update("/".join(parts[:n]) for n in range(1, min(len(parts), depth) + 1))
    return folders


def test_the_page_lists_exactly_the_folders() -> None:
    documented, tracked = documented_folders(), tracked_folders()
    assert sorted(tracked - documented) == [], "folders missing from docs/layout.md"
    assert sorted(documented - tracked) == [], "docs/layout.md lists folders that do not exist"


def project_imports(package: str) -> set[str]:
    """The project modules (seeds_gen, segments.*) that the package's files import, as package names
    two levels deep (segments.bulk_load), other than the package itself."""
    folder = REPO.joinpath(*package.split("."))
    files = sorted(folder.rglob("*.py")) if folder.is_dir() else [folder.with_suffix(".py")]
    found = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                parts = name.split(".")
                if parts[0] == "seeds_gen":
                    found.add("seeds_gen")
                elif parts[0] == "segments" and len(parts) > 1:
                    found.add(".".join(parts[:2]))
    found = {name for name in found if is_module(name)}
    return {name for name in found if name != package and not name.startswith(package + ".")}


def is_module(name: str) -> bool:
    path = REPO.joinpath(*name.split("."))
    return path.is_dir() or path.with_suffix(".py").exists()


def test_python_packages_import_only_what_the_page_allows() -> None:
    rules = {
        row[0].strip("`"): set(re.findall(r"`([^`]+)`", row[1])) for row in table("## What may use what")
    }
    assert set(rules) == {"seeds_gen", "segments.atomic_files", "segments.warehouse", "segments.history",
                          "segments.bulk_load", "segments.publish"}  # fmt: skip
    broken = {package: sorted(project_imports(package) - allowed) for package, allowed in rules.items()}
    assert {package: names for package, names in broken.items() if names} == {}
    # The rules are not vacuous: the loaders and publishing do use the warehouse layer.
    assert "segments.warehouse" in project_imports("segments.publish")
    assert "segments.atomic_files" in project_imports("seeds_gen")
