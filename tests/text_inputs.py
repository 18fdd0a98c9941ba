"""Distinct text inputs for batch tests: the archive's sample newsletters in turn, each with
its own closing line (so no two have the same content and each is its own document)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE_TEXTS = [
    REPO / "samples" / "negative" / "clean000.input.txt",
    REPO / "samples" / "seeds" / "seed002.input.txt",
    REPO / "samples" / "seeds" / "seed004.input.txt",
    REPO / "samples" / "negative" / "clean003.input.txt",
]


def write_text_inputs(folder: Path, count: int, start_at: int = 0) -> list[Path]:
    """``count`` distinct newsletters ``letterNNN.txt`` in ``folder``, numbered from ``start_at``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start_at, start_at + count):
        body = SAMPLE_TEXTS[i % len(SAMPLE_TEXTS)].read_text(encoding="utf-8")
        path = folder / f"letter{i:03d}.txt"
        path.write_text(f"{body}\n\nUtskick nummer {i}.\n", encoding="utf-8")
        paths.append(path)
    return paths
