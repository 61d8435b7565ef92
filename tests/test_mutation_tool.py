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
