"""requirements.lock pins the environment: the venv the tests run in (make test installs it with
`-c requirements.lock`) holds exactly the locked packages at the locked versions, and the lock
holds every pin of pyproject.toml at the pinned version."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

from support import REPO


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked() -> dict[str, str]:
    lines = (REPO / "requirements.lock").read_text().splitlines()
    pins = [line.split("==") for line in lines if line and not line.startswith("#")]
    return {normalised(name): version for name, version in pins}


def test_the_venv_is_the_lock() -> None:
    installed = {
        normalised(dist.metadata["Name"]): dist.version
        for dist in metadata.distributions()
        if normalised(dist.metadata["Name"]) not in {"segments", "pip", "setuptools", "wheel"}
    }
    lock = locked()
    assert {
        name: (version, lock.get(name)) for name, version in installed.items() if lock.get(name) != version
    } == {}
    assert sorted(set(lock) - set(installed)) == []


def test_the_lock_holds_every_pin_of_pyproject() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pins = [
        *project["dependencies"],
        *project["optional-dependencies"]["sqlite"],
        *project["optional-dependencies"]["dev"],
    ]
    lock = locked()
    for pin in pins:
        name, version = re.split(r"==", re.sub(r"\[.*\]", "", pin))
        assert lock.get(normalised(name)) == version, pin
