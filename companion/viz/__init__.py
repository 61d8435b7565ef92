"""Figures every chapter uses: image grids, training curves, results across seeds, tables.

Images come in the package's convention, float (N, C, H, W) in [-1, 1]; :func:`to_unit_range`
is the one place they are converted for display. Image grids are drawn with matplotlib; results
across seeds (:func:`seed_points`, :func:`seed_bars`, :func:`metric_panels`) and matrices
(:func:`heatmap`) with seaborn.

Figures are sized for the website's text column, 676 px wide: a figure :data:`FIGURE_WIDTH`
inches wide is 650 px at matplotlib's 100 dpi and is shown at its own size, so its 10-point text
stays readable (a 13-inch figure is shrunk to half, and its text with it). Logged values are
named for readers by :func:`key_label` (``"loss/g_adv"`` is "G adversarial loss"), and the
package's own code is shown by :func:`source_listing`, which wraps instead of scrolling.
"""

from companion.viz.curves import curves, key_label
from companion.viz.images import (
    FIGURE_WIDTH,
    diversity_grid,
    diversity_panels,
    grid,
    show,
    to_unit_range,
)
from companion.viz.seeds import heatmap, metric_panels, seed_bars, seed_points
from companion.viz.source import SourceListing, source_listing
from companion.viz.staircase import estimator_name, staircase_panels
from companion.viz.tables import config_table

__all__ = [
    "FIGURE_WIDTH",
    "SourceListing",
    "config_table",
    "curves",
    "diversity_grid",
    "diversity_panels",
    "estimator_name",
    "grid",
    "heatmap",
    "key_label",
    "metric_panels",
    "seed_bars",
    "seed_points",
    "show",
    "source_listing",
    "staircase_panels",
    "to_unit_range",
]
