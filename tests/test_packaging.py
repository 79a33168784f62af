"""The product as a user installs it: a wheel with one top-level package and its data, installed into a
fresh venv outside the repository, answering from a temporary folder; and `hoidap eval` with only the
plain (no extras) dependencies importable.

The fresh venv gets the test venv's site-packages through a .pth line so no dependency is downloaded
again; a .pth line adds that folder to sys.path without running the .pth files inside it, so the
repository's editable install stays invisible and only the wheel provides `hoidap`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.conftest import HOA_BINH_2024, SAMPLE
from tests.processes import copy_sample_index

REPO = Path(__file__).resolve().parents[1]
_NOT_SOURCE = shutil.ignore_patterns(".venv", ".git", "data", "build", "dist", "out", "artifacts", "*.egg-info",
                                     "__pycache__", ".pytest_cache")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, str]:
    """The wheel built from a copy of the sources (the build writes nothing into the repository)."""
    root = tmp_path_factory.mktemp("wheel")
    shutil.copytree(REPO, root / "src", ignore=_NOT_SOURCE)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(root / "dist"),
         str(root / "src")], capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    [wheel] = (root / "dist").glob("hoidap-*.whl")
    return wheel, result.stdout + result.stderr


@pytest.fixture(scope="module")
def venv(built, tmp_path_factory) -> Path:
    """A fresh venv outside the repository with only the wheel installed (dependencies via a .pth line)."""
    wheel, _ = built
    root = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True, timeout=120)
    python = root / "bin" / "python"
    purelib = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  capture_output=True, text=True, check=True).stdout.strip())
    (purelib / "test-venv-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    str(wheel)], check=True, capture_output=True, timeout=300)
    return root


def user_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOIDAP_", "PYTHON", "VIRTUAL_ENV"))}
    return {**env, "HOIDAP_DATA_DIR": str(tmp / "data")}


def test_the_wheel_is_one_package_with_its_data_and_builds_without_warnings(built):
    wheel, log = built
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {"hoidap", wheel.name.split("-py3")[0] + ".dist-info"}
    assert {f"hoidap/sample_corpus/{name}" for name in SAMPLE} <= set(names)
    for path in ("hoidap/api/static/widget.js", "hoidap/api/static/index.html", "hoidap/eval/gold.jsonl",
                 "hoidap/eval/thresholds.json", "hoidap/state/migrations/env.py",
                 "hoidap/state/migrations/versions/0001_conversations_and_feedback.py"):
        assert path in names
    assert "is absent from the `packages` configuration" not in log


def test_the_installed_wheel_answers_with_a_citation_from_any_folder(venv, tmp_path):
    env, hoidap = user_env(tmp_path), venv / "bin" / "hoidap"
    where = subprocess.run([venv / "bin" / "python", "-c", "import hoidap.settings as s; print(s.SAMPLE_CORPUS)"],
                           capture_output=True, text=True, env=env, cwd=tmp_path, check=True).stdout.strip()
    assert Path(where).is_relative_to(venv) and (Path(where) / HOA_BINH_2024).is_file()
    for stage in ("ingest", "index", "answer", "api", "bot", "eval"):
        probe = subprocess.run([venv / "bin" / "python", "-c", f"import {stage}"], capture_output=True, env=env,
                               cwd=tmp_path)
        assert probe.returncode != 0, f"a top-level package {stage!r} was installed"

    ingest = subprocess.run([hoidap, "ingest", str(Path(where) / HOA_BINH_2024)], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=600)
    assert ingest.returncode == 0, ingest.stderr
    ask = subprocess.run([hoidap, "ask", "Hòa Bình phấn đấu bao nhiêu % trường đạt chuẩn quốc gia năm 2024?",
                          "--json"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert ask.returncode == 0, ask.stderr
    body = json.loads(ask.stdout)
    assert "61%" in body["answer"] and "[1]" in body["answer"]
    assert body["citations"][0]["source"] == HOA_BINH_2024


def plain_install(wheel: Path) -> set[str]:
    """Distributions a plain `pip install hoidap` brings: the wheel's requirements without extras, recursively."""
    with zipfile.ZipFile(wheel) as z:
        meta = z.read(next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    todo = [Requirement(line.split(":", 1)[1]) for line in meta.splitlines() if line.startswith("Requires-Dist:")]
    seen: set[tuple[str, str]] = set()
    while todo:
        req = todo.pop()
        extras = sorted(req.extras) or [""]
        key = (req.name.lower().replace("_", "-"), ",".join(extras))
        if key in seen or (req.marker and not req.marker.evaluate({"extra": ""})):
            continue
        seen.add(key)
        for line in metadata.requires(req.name) or []:
            sub = Requirement(line)
            if not sub.marker or any(sub.marker.evaluate({"extra": e}) for e in extras):
                todo.append(Requirement(str(sub).split(";")[0]))
    return {name for name, _ in seen}


_BLOCKER = """
import importlib.abc, json, os, sys
BLOCKED = set(json.loads(os.environ["BLOCKED_MODULES"]))
class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Absent())
from hoidap.cli import main
sys.argv = ["hoidap", *sys.argv[1:]]
main()
"""


def test_eval_runs_its_default_baselines_with_the_plain_install(built, venv, sample_service, tmp_path):
    """Modules of packages outside the plain install (extras, test tools) behave as not installed."""
    wheel, _ = built
    plain = plain_install(wheel)
    blocked = sorted(
        module for module, dists in metadata.packages_distributions().items()
        if not any(d.lower().replace("_", "-") in plain for d in dists) and module != "hoidap"
    )
    assert "pyvi" in blocked and "bm25s" not in blocked and "sentence_transformers" in blocked
    data = copy_sample_index(sample_service, tmp_path / "index")
    script = tmp_path / "hoidap_plain.py"
    script.write_text(_BLOCKER)
    env = {**user_env(tmp_path), "BLOCKED_MODULES": json.dumps(blocked)}
    result = subprocess.run(
        [venv / "bin" / "python", script, "eval", "--limit", "4", "--no-progress", "--data-dir", str(data),
         "--out", str(tmp_path / "out")], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr and "could not be built" not in result.stdout
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert set(report["systems"]) == {"hoidap", "bm25", "dense", "llamaindex"}
    assert all("error" not in s for s in report["systems"].values())
    assert report["systems"]["bm25"]["overall"]


def _imported_stages(path: Path) -> set[str]:
    """The hoidap stages (ingest, index, answer, api, ...) a module imports."""
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        found |= {n.split(".")[1] for n in names if n.startswith("hoidap.") and n.count(".") >= 1}
    return found


def test_data_flows_one_way_through_the_stages():
    """files -> ingest -> index -> answer -> api / bot / eval: no stage imports a later one, and the
    answer layer reaches the index only through the service that wires them (types come from hoidap.models)."""
    edges = {"api", "bot", "eval"}
    for stage, later in (("ingest", {"answer"} | edges), ("index", {"ingest", "answer"} | edges), ("answer", edges)):
        for module in sorted((REPO / stage).rglob("*.py")):
            assert not _imported_stages(module) & later, module
    for module in sorted((REPO / "answer").glob("*.py")):
        if module.name != "service.py":
            assert "index" not in _imported_stages(module), module
