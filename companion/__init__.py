"""companion: the package behind *Mutual Information for Multimodal Image-to-Image Translation*.

The book's chapters import it; so can course assignments and paper-scale GPU runs.
"""

from companion.config import PRESETS, PresetConfig, preset, run_header, seed_everything
from companion.records import benchmark_record

__all__ = [
    "PRESETS",
    "PresetConfig",
    "benchmark_record",
    "preset",
    "run_header",
    "seed_everything",
    "__version__",
]

__version__ = "0.1.0"
