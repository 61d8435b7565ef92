"""viz: the grids the chapters show."""

import torch

from companion.viz import diversity_grid


def _shift(a, z):
    return (a + z[:, :1, None, None]).clamp(-1, 1)  # the code sets the brightness


def _tile(picture, row, col, size=4, pad=2):
    top, left = pad + row * (size + pad), pad + col * (size + pad)
    return picture[:, top : top + size, left : left + size]


def test_synchronized_codes_give_the_same_column_for_every_input():
    a = torch.zeros(3, 3, 4, 4)
    codes = torch.tensor([[-0.5, 0.0], [0.0, 0.0], [0.5, 0.0]])
    picture = diversity_grid(_shift, a, codes=codes)
    for col in range(1, 4):  # column 0 shows the input
        tiles = [_tile(picture, row, col) for row in range(3)]
        assert all(torch.equal(t, tiles[0]) for t in tiles)
    assert not torch.equal(_tile(picture, 0, 1), _tile(picture, 0, 3))


def test_random_codes_differ_between_rows():
    a = torch.zeros(2, 3, 4, 4)
    picture = diversity_grid(_shift, a, 3, torch.Generator().manual_seed(0), z_dim=2)
    assert not torch.equal(_tile(picture, 0, 1), _tile(picture, 1, 1))


def test_curves_labels_runs_and_keys():
    import matplotlib

    matplotlib.use("Agg")
    from companion.viz import curves

    history = [{"step": 0, "a": 1.0, "b": 2.0}, {"step": 5, "a": 0.5, "b": 1.0}]
    ax = curves(history, label="run", reference={"zero": 0.0})
    assert [line.get_label() for line in ax.get_lines()][:2] == ["run: a", "run: b"]
    assert [line.get_label() for line in curves(history, ["a"]).get_lines()] == ["a"]


def test_diversity_panels_give_every_model_the_same_codes():
    import matplotlib

    matplotlib.use("Agg")
    from types import SimpleNamespace

    from companion.viz import diversity_panels

    shift = SimpleNamespace(translate=_shift, cfg=SimpleNamespace(z_dim=2))
    fig = diversity_panels({"A": shift, "B": shift, "C": shift}, torch.zeros(2, 3, 4, 4), 3)
    a, b, c = (ax.images[0].get_array() for ax in fig.axes)
    assert (a == b).all() and (b == c).all()
    assert [ax.get_title() for ax in fig.axes] == ["A", "B", "C"]
    one = diversity_panels({"A": shift}, torch.zeros(2, 3, 4, 4), 3)  # a single panel works too
    assert len(one.axes) == 1
