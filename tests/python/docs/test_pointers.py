"""Every pointer to the docs leads somewhere: a comment or page that sends the reader to a README
section (`README, "Reliability"`) names a heading README.md has; one that sends the reader to a
docs page (`docs/reliability.md`, `docs/reliability.md, "Faults"`) names a page that exists and,
when it names a section, a heading that page has; and every relative Markdown link of README.md and
docs/ opens a file that exists, at a heading that exists."""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path

from support import REPO

# `README, "Incremental refresh"`, `README's "Exports"`, `README: "The generator"`, `README "..."`.
README_SECTION = re.compile(r"""README(?:\.md)?(?:'s)?[,:]?\s+"([A-Z][^"]{2,80})\"""")
# `docs/reliability.md, "Faults"`, `docs/generator.md: "Patterns"`, `docs/engines.md's "The proof"`.
DOCS_SECTION = re.compile(r"""(?<![\w/.-])(docs/[\w-]+\.md)(?:'s)?[,:]?\s+"([A-Z][^"]{2,80})\"""")
# `docs/reliability.md` with or without a section: the page must exist.
DOCS_PAGE = re.compile(r"(?<![\w/.-])docs/[\w-]+\.md\b")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")


def tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    wanted = (".py", ".sql", ".yml", ".yaml", ".md", ".toml", ".cfg", "")
    return [REPO / name for name in listed if Path(name).suffix in wanted and (REPO / name).is_file()]


@cache
def headings(markdown: Path) -> list[str]:
    """The headings of a Markdown file, without the #s and backticks."""
    text = markdown.read_text(encoding="utf-8")
    return [line.lstrip("#").strip().replace("`", "") for line in text.splitlines() if line.startswith("#")]


def has_section(markdown: Path, name: str) -> bool:
    wanted = name.replace("`", "")
    return any(section == wanted or section.startswith(wanted) for section in headings(markdown))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def broken_pointers(line: str) -> list[str]:
    """What is wrong with the pointers to README and docs/ sections on one line of text."""
    broken = [
        f"README has no section {name!r}"
        for name in README_SECTION.findall(line)
        if not has_section(REPO / "README.md", name)
    ]
    for page in DOCS_PAGE.findall(line):
        if not (REPO / page).is_file():
            broken.append(f"no page {page}")
    for page, name in DOCS_SECTION.findall(line):
        if (REPO / page).is_file() and not has_section(REPO / page, name):
            broken.append(f"{page} has no section {name!r}")
    return broken


def test_every_section_named_in_the_code_exists():
    this_file = Path(__file__).resolve()
    broken = []
    for path in tracked_text_files():
        if path.resolve() == this_file:  # its examples point nowhere on purpose
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            broken += [f"{path.relative_to(REPO)}:{number}: {problem}" for problem in broken_pointers(line)]
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
    """Not vacuous: the patterns read the forms the code uses, and the slug is GitHub's."""
    assert README_SECTION.findall('(README, "Faults") and the README\'s "Exports"') == ["Faults", "Exports"]
    assert "Faults" not in headings(REPO / "README.md")
    assert broken_pointers('(README, "Faults")') == ["README has no section 'Faults'"]
    assert slug("Loading large data without dbt seed") == "loading-large-data-without-dbt-seed"
    assert slug("Scale: make bench") == "scale-make-bench"


def test_the_checks_find_a_broken_docs_pointer():
    """Not vacuous for docs/ pages either: a page that exists with a heading it has passes; a
    missing page, or a heading the page lacks, is named."""
    assert DOCS_SECTION.findall('(docs/reliability.md, "Faults") and docs/engines.md\'s "The proof"') == [
        ("docs/reliability.md", "Faults"),
        ("docs/engines.md", "The proof"),
    ]
    assert DOCS_SECTION.findall('https://example.com/docs/reliability.md, "Faults"') == []
    assert broken_pointers('(docs/reliability.md, "Faults") and (docs/reliability.md)') == []
    assert broken_pointers('(docs/reliability.md, "Crashes")') == [
        "docs/reliability.md has no section 'Crashes'"
    ]
    assert broken_pointers('(docs/nowhere.md, "Faults")') == ["no page docs/nowhere.md"]
    assert broken_pointers("see docs/nowhere.md") == ["no page docs/nowhere.md"]
