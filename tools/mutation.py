"""Mutation score per module with mutmut 3: ``make mutation [MUTATION_MODULES="..."]``.

Each module listed in ``tools/mutation.cfg`` (or given on the command line) runs in its own
scratch folder under ``benchmarks/results/mutants/``: the package and the tests are linked
there, a ``setup.cfg`` tells mutmut which file(s) to mutate and which tests to run, and mutmut
runs, for each mutant, only the tests that called the mutated function. The scores go to
``benchmarks/results/mutation.json`` (merged with the modules already there), and the surviving
mutants are printed with their diffs, except those ``tools/mutation.cfg`` lists as equivalent.

Usage:
    python tools/mutation.py                          # every module in tools/mutation.cfg
    python tools/mutation.py companion/losses.py      # one module (a file or a folder)
    python tools/mutation.py companion/mi --jobs 2    # two mutants at a time
    python tools/mutation.py companion/losses.py --tests-from ef2a28e \\
        --tests tests/exercises tests/methods/test_msgan.py   # the score with older tests
    python tools/mutation.py companion/methods/segan.py --survivors   # after adding tests:
        # rerun only the last run's survivors in its scratch folder (mutmut picks up new tests)
    python tools/mutation.py companion/train --survivors "*checkpoint*"   # only some of them
    python tools/mutation.py companion/train --timeouts   # recheck the last run's timeouts,
        # one at a time in plain pytest: a forked mutmut worker can hang where the test would not

Mutation testing is slow (a module takes minutes) and is not part of ``make test``; run it when
you change one of these modules or its tests.
"""

from __future__ import annotations

import argparse
import configparser
import datetime
import fnmatch
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "tools" / "mutation.cfg"
SCRATCH = ROOT / "benchmarks" / "results" / "mutants"
RESULTS = ROOT / "benchmarks" / "results" / "mutation.json"
MUTMUT = Path(sys.executable).with_name("mutmut")

# mutmut's exit codes (mutmut.stats.status_by_exit_code), grouped for the score
KILLED = {1, 3}
TIMEOUT = {36, -24, 24, 152, 255}
SURVIVED = {0}
NO_TESTS = {5, 33}
SKIPPED = {34, 37}


def read_config() -> configparser.ConfigParser:
    cfg = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    cfg.optionxform = str  # keep paths and mutant names as written
    cfg.read(CONFIG, encoding="utf-8")
    return cfg


def equivalents(cfg: configparser.ConfigParser) -> dict[str, tuple[str, str]]:
    """Mutant name -> (the changed line as ``mutmut show`` prints it, the reason)."""
    out = {}
    for name, value in cfg["equivalent"].items():
        line, _, reason = value.strip().partition("\n")
        out[name] = (line.strip(), " ".join(reason.split()))
    return out


def scratch(module: str, rev: str | None) -> Path:
    """The module's scratch folder (one per module and tests revision)."""
    return SCRATCH / (module.replace("/", "_").removesuffix(".py") + (f"@{rev}" if rev else ""))


def prepare(module: str, tests: list[str], mutmut_section: dict[str, str], rev: str | None) -> Path:
    """A fresh scratch folder: companion/ linked, tests/ linked (or extracted at ``rev``)."""
    work = scratch(module, rev)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    (work / "companion").symlink_to(ROOT / "companion")
    # pytest's markers and options; without a [tool.mutmut] table, which mutmut would read
    # instead of the setup.cfg written below
    pyproject = (ROOT / "pyproject.toml").read_text().splitlines(keepends=True)
    kept, skipping = [], False
    for line in pyproject:
        if line.startswith("["):
            skipping = line.strip().startswith("[tool.mutmut")
        if not skipping:
            kept.append(line)
    (work / "pyproject.toml").write_text("".join(kept))
    if rev is None:
        (work / "tests").symlink_to(ROOT / "tests")
    else:  # the tests as they were at an older commit, against today's package
        archive = subprocess.run(
            ["git", "archive", rev, "tests"], cwd=ROOT, check=True, capture_output=True
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(work, filter="data")
    missing = [t for t in tests if not t.startswith("-") and not (work / t.split("::")[0]).exists()]
    if missing:
        raise SystemExit(
            f"{module}: no tests at {missing} (in {'the worktree' if not rev else rev})"
        )
    only = f"{module}/*" if (ROOT / module).is_dir() else module
    lines = ["[mutmut]", "source_paths = companion", f"only_mutate = {only}"]
    lines.append("pytest_add_cli_args_test_selection =\n" + "\n".join(f"    {t}" for t in tests))
    lines += [f"{k} = {v}" for k, v in mutmut_section.items()]
    (work / "setup.cfg").write_text("\n".join(lines) + "\n")
    return work


def mutant_env() -> dict[str, str]:
    """The environment of the tests under a mutant: the linked package, not a PYTHONPATH one;
    one thread per process (two mutants at a time on two cores); fixed hash seeds."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONHASHSEED="0")
    return env


def run_mutmut(work: Path, jobs: int, names: list[str] | None = None) -> float:
    """Run mutmut in ``work``: every mutant, or only ``names`` (their results are replaced)."""
    env = mutant_env()
    start = time.time()
    with open(work / "mutmut.log", "a" if names else "w") as log:
        proc = subprocess.run(
            [str(MUTMUT), "run", "--max-children", str(jobs), *(names or [])],
            cwd=work,
            env=env,
            stdout=log,
            stderr=log,
        )
    if proc.returncode != 0:
        tail = (work / "mutmut.log").read_text()[-3000:]
        raise SystemExit(f"mutmut failed in {work} (exit {proc.returncode}):\n{tail}")
    return time.time() - start


def recheck(
    work: Path,
    names: list[str],
    pytest_args: list[str],
    selection: tuple[str, ...] | list[str] = (),
    base_limit: float = 60.0,
) -> dict:
    """Rerun each mutant in ``names`` alone, in a plain pytest process (no fork), with the tests
    mutmut recorded as calling its function, and write the outcome into mutmut's results.

    Why: mutmut forks its workers from a process that has run the tests, and a fork taken while
    another thread (tqdm's monitor, TensorBoard's writer) holds a lock can hang forever; mutmut
    then reports a timeout, which the score counts as killed. Here a failing test is a kill
    (exit 1); a pass is tried again against the module's whole ``selection`` (tests added since
    the run are not in mutmut's record) and, if it passes that too, is a survivor (exit 0,
    reviewed as any other). Only a run past its limit (``base_limit`` seconds plus 10 times the
    tests' recorded duration) stays a timeout (36).

    Returns:
        Mutant name -> ``(mutmut exit code, seconds, first failing test or "")``.

    Raises:
        SystemExit: if pytest itself fails (an error in collection, a test that is gone).
    """
    mutants = work / "mutants"
    stats = json.loads((mutants / "mutmut-stats.json").read_text())
    durations = stats["duration_by_test"]
    if (work / "tests").is_dir():  # the current tests, as mutmut copies them when it runs
        shutil.copytree(work / "tests", mutants / "tests", dirs_exist_ok=True)
    env = mutant_env()

    def pytest(name: str, tests: list[str], limit: float) -> tuple[int, str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pytest", "-x", "-q", *pytest_args, *tests],
            cwd=mutants,
            env=env | {"MUTANT_UNDER_TEST": name},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group, killed whole on a timeout
        )
        try:
            output, _ = proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return 36, ""
        if proc.returncode not in (0, 1):
            raise SystemExit(
                f"{name}: pytest exited {proc.returncode} in {mutants}:\n{output[-3000:]}"
            )
        failed = next((ln for ln in output.splitlines() if ln.startswith("FAILED ")), "")
        return proc.returncode, failed.removeprefix("FAILED ")

    out = {}
    for name in names:
        start = time.time()
        function = name.rsplit("__mutmut_", 1)[0]
        tests = sorted(stats["tests_by_mangled_function_name"].get(function, []))
        if not tests:
            raise SystemExit(f"{name}: mutmut recorded no test that calls {function}")
        code, failed = pytest(
            name, tests, base_limit + 10 * sum(durations.get(t, 0.0) for t in tests)
        )
        if code == 0 and selection:
            code, failed = pytest(name, list(selection), base_limit + 10 * sum(durations.values()))
        out[name] = (code, round(time.time() - start, 1), failed)
    for meta in mutants.rglob("*.py.meta"):
        data = json.loads(meta.read_text())
        hit = {n: out[n][0] for n in data["exit_code_by_key"] if n in out}
        if hit:
            data["exit_code_by_key"].update(hit)
            meta.write_text(json.dumps(data, indent=4))
    return out


_DIFFS = """
import json, sys
from mutmut.mutation.diff_apply import get_diff_for_mutant
print(json.dumps({name: get_diff_for_mutant(name) for name in json.load(sys.stdin)}))
"""


def changed_lines(work: Path, names: list[str]) -> dict[str, str]:
    """Each mutant's diff, its removed and added lines only (``- old`` / ``+ new``)."""
    if not names:
        return {}
    shown = subprocess.run(
        [sys.executable, "-c", _DIFFS],
        cwd=work,
        input=json.dumps(names),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    out = {}
    for name, diff in json.loads(shown).items():
        body = [ln for ln in diff.splitlines() if ln[:1] in "+-"]
        out[name] = "\n".join(ln for ln in body if not ln.startswith(("+++", "---")))
    return out


def signature(diff: str) -> str:
    """The line that identifies a mutant: its first added line, else its first removed one."""
    lines = diff.splitlines()
    line = next((ln for ln in lines if ln.startswith("+")), lines[0] if lines else "")
    return line[:1] + " " + " ".join(line[1:].split())


COUNTS = [
    "mutants",
    "killed",
    "timeout",
    "survived",
    "no_tests",
    "skipped",
    "equivalent",
    "untested",
]


def collect(module: str, work: Path, eqv: dict[str, tuple[str, str]]) -> dict:
    metas = sorted((work / "mutants").rglob("*.py.meta"))
    codes_by_file = {m: json.loads(m.read_text())["exit_code_by_key"] for m in metas}
    alive = [
        name
        for codes in codes_by_file.values()
        for name, code in codes.items()
        if code is not None and code not in KILLED | TIMEOUT | SKIPPED
    ]
    diffs = changed_lines(work, alive)
    per_file, survivors, stale, timeouts = {}, [], [], []
    for meta, codes in codes_by_file.items():
        path = str(meta.relative_to(work / "mutants")).removesuffix(".meta")
        if not codes:
            continue
        counts = dict.fromkeys(COUNTS, 0)
        for name, code in codes.items():
            counts["mutants"] += 1
            if code in KILLED:
                counts["killed"] += 1
            elif code in TIMEOUT:
                counts["timeout"] += 1
                timeouts.append(name)
            elif code in SKIPPED:
                counts["skipped"] += 1
            elif code is None:  # an interrupted run: this mutant was never tested
                counts["untested"] += 1
            else:  # survived, no tests, suspicious, segfault: not killed
                diff = diffs[name]
                if name in eqv and eqv[name][0] == signature(diff):
                    counts["equivalent"] += 1
                    continue
                if name in eqv:
                    stale.append(name)
                counts["no_tests" if code in NO_TESTS else "survived"] += 1
                survivors.append({"name": name, "status": code, "diff": diff})
        per_file[path] = counts | score(counts)
    total = {k: sum(f[k] for f in per_file.values()) for k in COUNTS}
    return {
        "files": per_file,
        **total,
        **score(total),
        "survivors": survivors,
        "timeouts": timeouts,  # counted as killed; may be a forked worker's deadlock: --timeouts
        "stale": stale,
    }


def score(c: dict) -> dict:
    """Killed (timeouts count: the mutant hung the tests) over all mutants tested, and over
    those not judged equivalent (the figure the issue asks to keep at 90% or more). Mutants an
    interrupted run never tested count in neither: the score is then that of a sample."""
    if not c:
        return {}
    dead = c["killed"] + c["timeout"]
    tried = c["mutants"] - c["skipped"] - c.get("untested", 0)
    return {
        "score": round(dead / tried, 4) if tried else None,
        "score_non_equivalent": round(dead / (tried - c["equivalent"]), 4)
        if tried > c["equivalent"]
        else None,
    }


def main(argv: list[str] | None = None) -> int:
    cfg = read_config()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("modules", nargs="*", help="files or folders under companion/")
    parser.add_argument("--jobs", type=int, default=1, help="mutants tested at once (default 1)")
    parser.add_argument("--tests", nargs="+", help="override the module's tests from the config")
    parser.add_argument("--tests-from", metavar="REV", help="take tests/ from this git commit")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--survivors",
        nargs="*",
        metavar="PATTERN",
        help="rerun only the last run's survivors (those matching a PATTERN, fnmatch, if any),"
        " in its scratch folder (after adding tests)",
    )
    parser.add_argument(
        "--collect-only",
        action="store_true",
        help="re-read the last run's results (e.g. after editing [equivalent]), run nothing",
    )
    parser.add_argument(
        "--timeouts",
        action="store_true",
        help="recheck the last run's timeouts one at a time in plain pytest (see recheck())",
    )
    args = parser.parse_args(argv)

    mapping = dict(cfg["modules"])
    modules = [m.rstrip("/") for m in args.modules] or list(mapping)
    for m in modules:  # a file alone: its own tests if [tests] has them, else its folder's
        parent = next((k for k in cfg["modules"] if m.startswith(k.rstrip("/") + "/")), None)
        if m not in mapping and cfg.has_option("tests", m):
            mapping[m] = cfg["tests"][m]
        elif m not in mapping and parent is not None:
            mapping[m] = mapping[parent]
    unknown = [m for m in modules if m not in mapping and not args.tests]
    if unknown:
        parser.error(f"no tests configured for {unknown}; add them to [modules] in {CONFIG.name}")
    eqv = equivalents(cfg)
    version = subprocess.run([str(MUTMUT), "--version"], capture_output=True, text=True).stdout
    results = json.loads(args.output.read_text()) if args.output.is_file() else {}
    results.setdefault("modules", {})
    for module in modules:
        tests = args.tests or mapping[module].split()
        key = module + (f"@{args.tests_from}" if args.tests_from else "")
        previous = results["modules"].get(key, {})
        if args.collect_only:
            work = scratch(module, args.tests_from)
            seconds = previous.get("seconds", 0)
        elif args.timeouts:
            work = scratch(module, args.tests_from)
            names = previous.get("timeouts", [])
            if not (work / "mutants").is_dir() or not previous:
                raise SystemExit(f"{module}: no earlier run in {work} to recheck the timeouts of")
            print(f"== {module}: rechecking {len(names)} timeouts, one at a time, in plain pytest")
            start = time.time()
            pytest_args = cfg["mutmut"].get("pytest_add_cli_args", "").split()
            rechecked = recheck(work, names, pytest_args, selection=tests)
            for name, (code, secs, failed) in rechecked.items():
                outcome = {0: "survived", 1: "killed by " + failed, 36: "timeout"}[code]
                print(f"   {name}: {outcome} ({secs:.0f} s)")
            seconds = previous.get("seconds", 0) + time.time() - start
        elif args.survivors is not None:
            work = scratch(module, args.tests_from)
            names = [s["name"] for s in previous.get("survivors", [])]
            if args.survivors:
                names = [n for n in names if any(fnmatch.fnmatch(n, p) for p in args.survivors)]
            if not (work / "mutants").is_dir() or not previous:
                raise SystemExit(f"{module}: no earlier run in {work} to rerun the survivors of")
            if previous.get("tests") != tests:
                raise SystemExit(f"{module}: its tests changed since the last run; run it whole")
            print(f"== {module}: rerunning {len(names)} survivors in {work.relative_to(ROOT)}")
            seconds = previous.get("seconds", 0)
            if names:
                seconds += run_mutmut(work, args.jobs, names)
        else:
            work = prepare(module, tests, dict(cfg["mutmut"]), args.tests_from)
            print(f"== {module}: mutating with tests {' '.join(tests)} in {work.relative_to(ROOT)}")
            seconds = run_mutmut(work, args.jobs)
        entry = collect(module, work, eqv)
        entry.update(tests=tests, tests_from=args.tests_from or "worktree", seconds=round(seconds))
        results["modules"][key] = entry
        print(
            f"   {entry['mutants']} mutants: {entry['killed']} killed, {entry['timeout']} timeout,"
            f" {entry['survived']} survived, {entry['no_tests']} without tests,"
            f" {entry['equivalent']} equivalent; score {entry['score']},"
            f" non-equivalent {entry['score_non_equivalent']} ({seconds:.0f} s)"
        )
        for s in entry["survivors"]:
            print(f"   survived: {s['name']}\n      " + s["diff"].replace("\n", "\n      "))
        if entry["untested"]:
            print(
                f"   untested: {entry['untested']} mutants (the run was interrupted); the scores"
                " are those of the mutants it tested"
            )
        for name in entry["stale"]:
            print(f"   stale equivalent entry (its line changed): {name}")
    results.update(
        tool=version.strip() or "mutmut",
        date=datetime.date.today().isoformat(),
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
