"""How tools/mutation.py scores a run from mutmut's per-file results (crafted .meta files)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("mutation", ROOT / "tools" / "mutation.py")
mutation = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mutation)


def _scratch(tmp_path, codes):
    meta = tmp_path / "mutants" / "companion" / "x.py.meta"
    meta.parent.mkdir(parents=True)
    meta.write_text(json.dumps({"exit_code_by_key": codes}))
    return tmp_path


def test_killed_timeouts_and_skipped_mutants_score_without_a_diff(tmp_path):
    # exit 1 and 3: killed; 36: timeout (counted as killed); 34: skipped (not tried)
    work = _scratch(tmp_path, {"m1": 1, "m2": 3, "m3": 36, "m4": 34})
    entry = mutation.collect("companion/x.py", work, {})
    assert {k: entry[k] for k in mutation.COUNTS} == {
        "mutants": 4,
        "killed": 2,
        "timeout": 1,
        "survived": 0,
        "no_tests": 0,
        "skipped": 1,
        "equivalent": 0,
        "untested": 0,
    }
    assert (entry["score"], entry["score_non_equivalent"]) == (1.0, 1.0)
    assert entry["timeouts"] == ["m3"] and entry["survivors"] == []


def test_an_interrupted_run_scores_the_mutants_it_tested(tmp_path):
    # mutmut leaves None where a mutant was never run: 3 killed of 4 tested, 6 untested
    codes = {"k1": 1, "k2": 1, "k3": 1, "t1": 36, **{f"n{i}": None for i in range(6)}}
    entry = mutation.collect("companion/x.py", _scratch(tmp_path, codes), {})
    assert (entry["mutants"], entry["untested"], entry["survived"]) == (10, 6, 0)
    assert entry["score"] == 1.0  # not 4 / 10
    assert entry["files"]["companion/x.py"]["untested"] == 6


def test_score_over_all_and_over_the_non_equivalent():
    counts = dict.fromkeys(mutation.COUNTS, 0)
    counts.update(mutants=12, killed=8, timeout=1, survived=1, skipped=1, equivalent=1)
    assert mutation.score(counts) == {"score": round(9 / 11, 4), "score_non_equivalent": 0.9}
    assert mutation.score({}) == {}


def test_signature_is_the_first_added_line_with_its_spaces_collapsed():
    diff = "-        ndb_k=20,\n-    )\n+        )"
    assert mutation.signature(diff) == "+ )"
    assert mutation.signature("-    x  = 1") == "- x = 1"  # a deletion: its removed line


_MUTANT_TESTS = """
import os, time

def test_under_the_mutant():
    name = os.environ["MUTANT_UNDER_TEST"]
    if name.endswith("hang"):
        time.sleep(600)
    assert not name.endswith("fail"), "caught"
"""

_NEW_TEST = """
import os

def test_added_after_the_run():
    assert not os.environ["MUTANT_UNDER_TEST"].endswith("late")
"""


def test_recheck_runs_each_timeout_alone_and_rewrites_mutmut_results(tmp_path):
    # four "timeouts" of a forked run: one a recorded test catches, one no test catches, one
    # that hangs, and one only a test added after the run (not in mutmut's record) catches
    mutants = tmp_path / "mutants"
    (mutants / "tests").mkdir(parents=True)
    (mutants / "tests" / "test_m.py").write_text(_MUTANT_TESTS)
    (mutants / "tests" / "test_new.py").write_text(_NEW_TEST)
    test = "tests/test_m.py::test_under_the_mutant"
    ends = ["fail", "pass", "hang", "late"]
    names = [f"companion.x.x_f__mutmut_{i}{end}" for i, end in enumerate(ends)]
    stats = {
        "tests_by_mangled_function_name": {n.rsplit("__mutmut_", 1)[0]: [test] for n in names},
        "duration_by_test": {test: 0.1},
    }
    (mutants / "mutmut-stats.json").write_text(json.dumps(stats))
    meta = mutants / "companion" / "x.py.meta"
    meta.parent.mkdir()
    meta.write_text(json.dumps({"exit_code_by_key": {**dict.fromkeys(names, 36), "other": 1}}))
    out = mutation.recheck(tmp_path, names, ["-p", "no:cacheprovider"], ["tests"], base_limit=3)
    assert {n: out[n][0] for n in names} == dict(zip(names, [1, 0, 36, 1]))
    assert out[names[0]][2].startswith(test) and out[names[1]][2] == ""
    assert out[names[3]][2].startswith("tests/test_new.py::test_added_after_the_run")
    assert 3.0 <= out[names[2]][1] < 30  # killed at its limit, 3 s + 10 x 0.1 s
    codes = json.loads(meta.read_text())["exit_code_by_key"]
    assert codes == {**dict(zip(names, [1, 0, 36, 1])), "other": 1}
