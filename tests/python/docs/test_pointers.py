"""Every pointer to the docs leads somewhere: a comment or page that sends the reader to a README
section (`README, "Reliability"`) names a heading README.md has, and every relative Markdown link
of README.md and docs/ opens a file that exists, at a heading that exists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from support import REPO

# `README, "Incremental refresh"`, `README's "Exports"`, `README: "The generator"`, `README "..."`.
README_SECTION = re.compile(r"""README(?:\.md)?(?:'s)?[,:]?\s+"([A-Z][^"]{2,80})\"""")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")


def tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    wanted = (".py", ".sql", ".yml", ".yaml", ".md", ".toml", ".cfg", "")
    return [REPO / name for name in listed if Path(name).suffix in wanted and (REPO / name).is_file()]


def headings(markdown: Path) -> list[str]:
    """The headings of a Markdown file, without the #s and backticks."""
    text = markdown.read_text(encoding="utf-8")
    return [line.lstrip("#").strip().replace("`", "") for line in text.splitlines() if line.startswith("#")]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def test_every_readme_section_named_in_the_code_exists():
    sections = headings(REPO / "README.md")
    broken = []
    for path in tracked_text_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            for name in README_SECTION.findall(line):
                wanted = name.replace("`", "")
                if not any(section == wanted or section.startswith(wanted) for section in sections):
                    broken.append(f"{path.relative_to(REPO)}:{number}: README has no section {name!r}")
    assert not broken, "\n".join(broken)


def test_every_relative_link_of_the_docs_opens_a_file_and_heading_that_exist():
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    broken = []
    for page in pages:
        for target in MARKDOWN_LINK.findall(page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):  # https:, mailto:
                continue
            file_part, _, anchor = target.partition("#")
            linked = (page.parent / file_part).resolve() if file_part else page
            if not linked.exists():
                broken.append(f"{page.relative_to(REPO)}: {target}: no such file")
            elif anchor and linked.suffix == ".md" and anchor not in {slug(h) for h in headings(linked)}:
                broken.append(f"{page.relative_to(REPO)}: {target}: no heading with that anchor")
    assert not broken, "\n".join(broken)


def test_the_checks_find_a_broken_pointer(tmp_path):
    """Not vacuous: the pattern reads the forms the code uses, and the slug is GitHub's."""
    assert README_SECTION.findall('(README, "Faults") and the README\'s "Exports"') == ["Faults", "Exports"]
    assert "Faults" not in headings(REPO / "README.md")
    assert slug("Loading large data without dbt seed") == "loading-large-data-without-dbt-seed"
    assert slug("Scale: make bench") == "scale-make-bench"
