"""Tests for companion.records: committed benchmark records, found or clearly missing."""

import json
import urllib.error
import urllib.request

import pytest

from companion.records import REPOSITORY_RAW, benchmark_record


def test_a_record_is_found_in_a_checkout_above_the_start(tmp_path):
    results = tmp_path / "benchmarks" / "results"
    results.mkdir(parents=True)
    (results / "x.json").write_text(json.dumps({"results": {"a": 1}}))
    deep = tmp_path / "chapters" / "07_transfer"
    deep.mkdir(parents=True)
    assert benchmark_record("x.json", start=deep) == {"results": {"a": 1}}


def test_without_a_checkout_it_reads_the_repository_and_offline_it_says_what_is_missing(
    tmp_path, monkeypatch
):
    asked = []

    class Response:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self):
            return b'{"results": {"b": 2}}'

    def online(url, timeout):
        asked.append(url)
        return Response()

    monkeypatch.setattr(urllib.request, "urlopen", online)
    assert benchmark_record("y.json", start=tmp_path) == {"results": {"b": 2}}
    assert asked == [f"{REPOSITORY_RAW}/benchmarks/results/y.json"]

    def offline(url, timeout):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(FileNotFoundError, match=r"benchmarks/results/y.json is not in a checkout"):
        benchmark_record("y.json", start=tmp_path)


def test_the_chapters_records_are_committed():
    # the records the chapters read exist in this checkout (none is fetched in the tests)
    for name in ("conditional_mining.json", "embedding_mining.json"):
        assert "results" in benchmark_record(name)
