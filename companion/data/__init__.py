"""Datasets: synthetic domains with ground-truth factors, real folder formats, fetching."""
