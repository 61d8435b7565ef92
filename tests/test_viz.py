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


def test_diversity_panels_take_each_models_own_codes():
    import matplotlib

    matplotlib.use("Agg")
    from types import SimpleNamespace

    from companion.viz import diversity_panels

    shift = SimpleNamespace(translate=_shift, cfg=SimpleNamespace(z_dim=2))
    low, high = torch.full((3, 2), -0.5), torch.full((3, 2), 0.5)
    fig = diversity_panels(
        {"A": shift, "B": shift}, torch.zeros(2, 3, 4, 4), codes={"A": low, "B": high}
    )
    a, b = (np.asarray(ax.images[0].get_array()) for ax in fig.axes)
    assert a.shape == b.shape and not np.allclose(a, b)  # the same model, other codes
    fig_b = diversity_panels({"B": shift}, torch.zeros(2, 3, 4, 4), codes=high)
    assert np.allclose(np.asarray(fig_b.axes[0].images[0].get_array()), b)
    with pytest.raises(ValueError, match="codes are given for"):
        diversity_panels({"A": shift, "B": shift}, torch.zeros(1, 3, 4, 4), codes={"A": low})
    with pytest.raises(ValueError, match="as many codes"):
        diversity_panels(
            {"A": shift, "B": shift}, torch.zeros(1, 3, 4, 4), codes={"A": low, "B": high[:2]}
        )


# --------------------------------------------------------------------------- readable figures

import io  # noqa: E402

import matplotlib  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from companion import viz  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _drawn(ax):
    ax.figure.canvas.draw()
    return ax.figure.canvas.get_renderer()


def _outside(ax):
    """Every plotted data point (lines, scatter points, segments) outside the axes' limits."""
    from matplotlib.collections import LineCollection, PathCollection

    (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
    points = [
        np.column_stack(line.get_data())
        for line in ax.get_lines()
        if line.get_transform() == ax.transData  # not axhline, whose x is in axes fractions
    ]
    points += [c.get_offsets() for c in ax.collections if isinstance(c, PathCollection)]
    points += [s for c in ax.collections if isinstance(c, LineCollection) for s in c.get_segments()]
    points = np.concatenate([np.asarray(p, dtype=float).reshape(-1, 2) for p in points])
    points = points[~np.isnan(points).any(axis=1)]  # NaN separates a line's pieces
    inside = (points[:, 0] >= x0) & (points[:, 0] <= x1) & (points[:, 1] >= y0)
    inside &= points[:, 1] <= y1
    return points[~inside]


def _scatter(ax):
    """(N, 2) the points of the scatter collections (one per seed in a strip plot)."""
    from matplotlib.collections import PathCollection

    found = [c.get_offsets() for c in ax.collections if isinstance(c, PathCollection)]
    return np.concatenate([np.asarray(p, dtype=float) for p in found])


def _segments(ax):
    """The segments of the line collections (hlines): each (2, 2)."""
    from matplotlib.collections import LineCollection

    return [s for c in ax.collections if isinstance(c, LineCollection) for s in c.get_segments()]


def _text_inside_axes(ax, text):
    box = text.get_window_extent(_drawn(ax))
    frame = ax.get_window_extent()
    return frame.x0 < box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1


def _dashed_at(ax, value):
    """The dashed horizontal lines drawn at ``value`` (axhline or hlines)."""
    lines = [
        line
        for line in ax.get_lines()
        if line.get_linestyle() == "--" and np.allclose(line.get_ydata(), value)
    ]
    segments = [
        s
        for c in ax.collections
        if hasattr(c, "get_segments") and c.get_linestyle()[0][1] is not None  # dashed
        for s in c.get_segments()
        if np.allclose(s[:, 1], value)
    ]
    return lines + segments


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("loss/d", "D loss"),
        ("loss/g", "G loss"),
        ("loss/g_adv", "G adversarial loss"),
        ("loss/g_l1", "G L1 loss"),
        ("loss/g_kl", "G KL loss"),
        ("loss/g_latent", "G latent regression loss"),
        ("loss/g_ms", "G mode-seeking loss"),
        ("loss/g_gc", "G geometry-consistency loss"),
        ("loss/g_new_term", "G new term loss"),
        ("loss/l1", "L1 loss"),
        ("mi/jsd", "JSD bound (nats)"),
        ("mi/latent_bound", "latent-regression bound (nats)"),
        ("mi/other", "other estimate (nats)"),
        ("eval/cat_bound", "categorical-code bound (nats)"),
        ("eval/fid", "FID"),
        ("eval/styles_per_input", "styles per input"),
        ("eval/new_metric", "new metric"),
        ("styles per input", "styles per input"),
    ],
)
def test_key_label_names_the_vocabulary(key, name):
    assert viz.key_label(key) == name


def test_key_label_takes_explicit_names_first():
    assert viz.key_label("mi/jsd", {"mi/jsd": "I_JSD"}) == "I_JSD"
    assert viz.key_label("loss/d", {"mi/jsd": "I_JSD"}) == "D loss"


def test_curves_show_readable_names_and_every_point():
    # The 1.3 staircase bug: a panel whose limits hide its curve. Values from 0 to 13 nats and a
    # reference far below them must all lie inside the axes' limits.
    history = [{"step": 10 * i, "mi/jsd": 13.0 * i / 9, "loss/g_adv": 0.5} for i in range(10)]
    ax = viz.curves(history, ["mi/jsd", "loss/g_adv"], label="SEGAN", reference={"floor": -1.5})
    assert len(_outside(ax)) == 0, _outside(ax)
    names = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert names == ["SEGAN: JSD bound (nats)", "SEGAN: G adversarial loss"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == names


def test_curves_label_the_reference_line_inside_the_axes():
    history = [{"step": s, "mi/jsd": v} for s, v in ((0, -1.3), (50, 0.2), (100, 0.6))]
    ax = viz.curves(history, ["mi/jsd"], reference={"-2 log 2": -1.386})
    assert ax.get_ylabel() == "JSD bound (nats)"
    assert len(_dashed_at(ax, -1.386)) == 1
    (text,) = ax.texts
    assert text.get_text() == "-2 log 2"
    assert _text_inside_axes(ax, text), "the label sits on or outside the spine"
    assert text.get_window_extent(_drawn(ax)).x0 > ax.get_window_extent().x0 + 20


RESULTS = {"pix2pix": [1.0, 1.3, 1.0], "MSGAN": [2.0, 2.5, 3.0], "BicycleGAN": [3.3, 3.0, 4.0]}


def test_seed_points_draw_every_seed_the_means_and_the_chance_level():
    ax = viz.seed_points(RESULTS, chance=0.5, chance_label="chance", ylabel="styles per input")
    assert [t.get_text() for t in ax.get_xticklabels()] == list(RESULTS)
    assert ax.get_ylabel() == "styles per input"
    seeds = _scatter(ax)
    assert sorted(seeds[:, 1]) == sorted(v for vs in RESULTS.values() for v in vs)
    for i, values in enumerate(RESULTS.values()):  # one black bar per group at its mean
        bars = [
            s
            for s in _segments(ax)
            if np.allclose(s[:, 1], np.mean(values)) and abs(s[:, 0].mean() - i) < 1e-9
        ]
        assert len(bars) == 1, (i, np.mean(values))
    assert len(_dashed_at(ax, 0.5)) == 1
    assert len(_outside(ax)) == 0, _outside(ax)
    (text,) = ax.texts
    assert text.get_text() == "chance" and _text_inside_axes(ax, text)


def test_seed_points_draw_a_chance_level_per_group():
    chance = {"pix2pix": 0.07, "BicycleGAN": 0.2}
    ax = viz.seed_points(RESULTS, chance=chance, chance_label="chance (shuffled codes)")
    for group, level in chance.items():
        (segment,) = _dashed_at(ax, level)
        center = list(RESULTS).index(group)
        assert np.allclose(sorted(segment[:, 0]), [center - 0.45, center + 0.45]), group
    assert "chance (shuffled codes)" in [t.get_text() for t in ax.get_legend().get_texts()]
    with pytest.raises(ValueError, match="chance levels for groups"):
        viz.seed_points(RESULTS, chance={"SEGAN": 0.1})


def test_seed_points_read_a_long_table_with_subgroups():
    rows = [
        {"method": m, "data": d, "value": v + (d == "digits"), "seed": s}
        for m, vs in RESULTS.items()
        for d in ("shapes", "digits")
        for s, v in enumerate(vs)
    ]
    ax = viz.seed_points(rows, hue="data")
    assert len(_outside(ax)) == 0
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["shapes", "digits"]
    # The mean of MSGAN on digits (3.5) sits right of MSGAN's centre, at the dodged position.
    (bar,) = [s for s in _segments(ax) if np.allclose(s[:, 1], 3.5)]
    assert 1.0 < bar[:, 0].mean() < 1.4
    with pytest.raises(ValueError, match="no column"):
        viz.seed_points(rows, y="coverage")


def test_seed_bars_heights_are_the_means_and_error_bars_the_spread():
    ax = viz.seed_bars(RESULTS, ylabel="coverage", show_seeds=False)
    heights = [p.get_height() for p in ax.patches]
    assert np.allclose(heights, [np.mean(v) for v in RESULTS.values()])
    spans = sorted(
        np.nanmax(line.get_ydata()) - np.nanmin(line.get_ydata()) for line in ax.get_lines()
    )
    assert np.allclose(spans, sorted(2 * np.std(v, ddof=1) for v in RESULTS.values()))
    assert ax.get_ylabel() == "coverage"


def test_seed_bars_group_by_hue_and_show_every_seed():
    rows = [
        {"method": m, "metric": k, "value": v * w, "seed": s}
        for m, vs in RESULTS.items()
        for k, w in (("LPIPS", 0.1), ("coverage", 1.0))
        for s, v in enumerate(vs)
    ]
    ax = viz.seed_bars(rows, x="metric", hue="method", chance=0.2)
    bars = [p for p in ax.patches if p.get_height() > 0]
    assert len(bars) == 6
    assert len(_dashed_at(ax, 0.2)) == 1
    assert len(_outside(ax)) == 0
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(RESULTS)


def test_metric_panels_give_each_metric_its_axis_and_chance():
    rows = [
        {"method": m, "metric": k, "value": v * w}
        for m, vs in RESULTS.items()
        for k, w in (("eval/coverage", 1.0), ("eval/fid", 20.0), ("precision", 0.2))
        for v in vs
    ]
    fig = viz.metric_panels(rows, chance={"eval/coverage": 1.0})
    assert [ax.get_ylabel() for ax in fig.axes] == ["mode coverage", "FID", "precision"]
    assert len(_dashed_at(fig.axes[0], 1.0)) == 1
    assert not _dashed_at(fig.axes[1], 1.0)
    assert all(len(_outside(ax)) == 0 for ax in fig.axes)
    assert fig.get_figwidth() == pytest.approx(viz.FIGURE_WIDTH)


def test_heatmap_writes_every_value_with_its_labels():
    matrix = np.array([[0.91, -0.12, 0.05], [0.02, 0.88, -0.40]])
    ax = viz.heatmap(matrix, ["code 1", "code 2"], ["width", "slant", "thickness"], center=0)
    assert [t.get_text() for t in ax.texts] == ["0.91", "-0.12", "0.05", "0.02", "0.88", "-0.40"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["code 1", "code 2"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["width", "slant", "thickness"]
    mesh = ax.collections[0]
    assert np.allclose(sorted(mesh.get_clim()), [-0.91, 0.91])  # centred at 0
    with pytest.raises(ValueError, match="non-empty"):
        viz.heatmap(np.zeros((0, 3)))


def test_config_table_lists_exactly_the_requested_fields():
    from dataclasses import dataclass, field

    @dataclass
    class Config:
        lr: float = 2e-4
        betas: tuple = (0.5, 0.999)
        steps: int = 400
        name: str = "x" * 100
        sizes: list = field(default_factory=lambda: [1, 2])

    table = viz.config_table(Config(steps=200), ["steps", "betas", "lr"])
    assert list(table.index) == ["steps", "betas", "lr"]
    assert list(table["value"]) == ["200", "(0.5, 0.999)", "0.0002"]
    everything = viz.config_table(Config())
    assert list(everything.index) == ["lr", "betas", "steps", "name", "sizes"]
    assert (
        everything.loc["name", "value"].endswith("…") and len(everything.loc["name", "value"]) == 40
    )
    assert max(len(line) for line in str(everything).splitlines()) < 60
    diff = viz.config_table(Config(steps=200, lr=1e-3), compare=Config(), columns=("cpu", "paper"))
    assert list(diff.index) == ["lr", "steps"] and list(diff.columns) == ["cpu", "paper"]
    assert list(diff.loc["steps"]) == ["200", "400"]
    with pytest.raises(ValueError, match=r"no field \['step'\]"):
        viz.config_table(Config(), ["step"])
    with pytest.raises(TypeError, match="dataclass instance"):
        viz.config_table({"lr": 1.0})


def _png_width(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")  # as the notebook's inline backend
    return plt.imread(io.BytesIO(buf.getvalue())).shape[1]


def test_default_figures_fit_the_text_column():
    # The site's text column is 676 px; a wider PNG is shrunk, and its text with it.
    history = [{"step": s, "loss/d": 1.0 / (s + 1), "loss/g": 0.5} for s in range(50)]
    rows = [{"method": f"method {i}", "value": i, "metric": k} for i in range(5) for k in "ab"]
    from types import SimpleNamespace

    shift = SimpleNamespace(translate=_shift, cfg=SimpleNamespace(z_dim=2))
    figures = {
        "curves": viz.curves(history).figure,
        "seed_points": viz.seed_points(rows).figure,
        "seed_bars": viz.seed_bars(rows, x="metric", hue="method").figure,
        "metric_panels": viz.metric_panels(rows),
        "heatmap": viz.heatmap(np.eye(8)).figure,
        "diversity_panels": viz.diversity_panels(
            {"A": shift, "B": shift, "C": shift}, torch.zeros(2, 3, 4, 4), 3
        ),
    }
    widths = {name: _png_width(fig) for name, fig in figures.items()}
    assert all(w <= 676 for w in widths.values()), widths
    assert all(w >= 300 for w in widths.values()), widths  # and not needlessly small
