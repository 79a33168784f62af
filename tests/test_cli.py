"""The `hoidap` command as a user runs it (a real subprocess)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

from tests.conftest import HOA_BINH_2024, SAMPLE


def run(args, data_dir, **kw):
    env = {**os.environ, "HOIDAP_DATA_DIR": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "hoidap", *args], capture_output=True, text=True, env=env, timeout=600, **kw)


def test_ingest_reports_bad_files_and_exits_nonzero_then_answers(tmp_path):
    plans = tmp_path / "plans"
    plans.mkdir()
    shutil.copy(SAMPLE[HOA_BINH_2024], plans)
    (plans / "scan.pdf").write_bytes(b"%PDF-1.4 broken")
    result = run(["ingest", str(plans)], tmp_path / "data")
    assert result.returncode == 1
    assert f"+ {HOA_BINH_2024}" in result.stdout
    assert "scan.pdf" in result.stderr

    again = run(["ingest", str(plans / HOA_BINH_2024)], tmp_path / "data")
    assert again.returncode == 0 and "không đổi" in again.stdout

    ask = run(["ask", "Hòa Bình phấn đấu bao nhiêu % trường đạt chuẩn quốc gia năm 2024?", "--json"], tmp_path / "data")
    assert ask.returncode == 0, ask.stderr
    body = json.loads(ask.stdout)
    assert "61%" in body["answer"] and body["citations"][0]["source"] == HOA_BINH_2024

    docs = run(["documents"], tmp_path / "data")
    assert HOA_BINH_2024 in docs.stdout and "Hòa Bình" in docs.stdout


def test_empty_question_is_a_clear_error(tmp_path):
    result = run(["ask", "  "], tmp_path / "data")
    assert result.returncode == 2 and "Câu hỏi trống" in result.stderr and "Traceback" not in result.stderr


def test_tests_run_on_the_defaults_whatever_the_shell_or_a_dot_env_says(tmp_path, monkeypatch):
    """conftest's isolated_settings: a developer's .env (or HOIDAP_* variable) does not reach the tests."""
    from hoidap.settings import Settings

    (tmp_path / ".env").write_text("HOIDAP_TOP_K=3\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert Settings(_env_file=".env").top_k == 3  # the file is real and would be read...
    assert Settings().top_k == 8  # ...but not by the settings the tests build
    assert not [n for n in os.environ if n.startswith("HOIDAP_") and not n.startswith("HOIDAP_TEST_")]
