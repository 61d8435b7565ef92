"""A checker's verdict fits the site's text column: wrapped at 79 characters, nothing lost."""

from companion.exercises._common import OUTPUT_WIDTH, report
from companion.exercises.segan import check_segan_pairs


def test_long_verdict_wraps_without_losing_words(capsys):
    message = "check_x: correct on 4 batches (10 calls each): " + " ".join(["word"] * 40)
    report(message)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) > 1 and all(len(line) <= OUTPUT_WIDTH for line in lines)
    assert all(line.startswith("  ") for line in lines[1:])
    assert " ".join(line.strip() for line in lines) == message


def test_a_checker_prints_within_the_column(capsys):
    check_segan_pairs(lambda G, a, z_1, z_2: (z_1, G(a, z_1), z_1, G(a, z_2)))
    out = capsys.readouterr().out
    assert "check_segan_pairs: correct" in out
    assert max(len(line) for line in out.splitlines()) <= OUTPUT_WIDTH
