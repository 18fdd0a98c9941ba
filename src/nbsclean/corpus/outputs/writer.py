"""(Re)write a record's PDF and ALTO outputs from the record itself.

Paths mirror the input's path relative to the input folder it was found in:
``archive/2024/nyhetsbrev-24-1.pdf`` given as ``archive`` becomes
``CORPUS/pdf/2024/nyhetsbrev-24-1.pdf`` and ``CORPUS/alto/2024/nyhetsbrev-24-1.pdf/1.xml``,
``2.xml``, ... (an image ``scan.png`` becomes ``pdf/scan.png.pdf``). The record's
``outputs`` says where they are, relative to the corpus.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path, PurePosixPath
from typing import Iterable, Sequence

from nbsclean.atomic import write_atomic
from nbsclean.corpus.journal import register_owned

log = logging.getLogger(__name__)

OUTPUT_FORMATS = ("pdf", "alto")
PDF_DIR = "pdf"
ALTO_DIR = "alto"
# Documents with a place on paper: text files have no pages to lay text on.
PAGED_KINDS = ("pdf", "image")

# What these outputs write into a corpus, so that --overwrite removes exactly that.
register_owned(PDF_DIR, r".+\.pdf")
register_owned(ALTO_DIR, r".+/\d+\.xml")
register_owned("words.parquet")


def relative_input_paths(given: Sequence[str | Path], found: Iterable[Path]) -> dict[Path, str]:
    """Each input file's path relative to the folder argument it was found in (POSIX form);
    a file named on the command line is its own name. Names that would collide (two folders
    with the same relative paths) get their parent folder's name in front."""
    folders = [Path(os.path.abspath(g)) for g in given if Path(g).is_dir()]
    relative: dict[Path, str] = {}
    taken: set[str] = set()
    for path in found:
        absolute = Path(os.path.abspath(path))
        folder = next((f for f in folders if absolute.is_relative_to(f)), None)
        name = absolute.relative_to(folder).as_posix() if folder else absolute.name
        if name in taken:
            name = f"{absolute.parent.name}/{name}" if folder is None else f"{folder.name}/{name}"
        taken.add(name)
        relative[absolute] = name
    return relative


def output_relative_path(record: dict) -> str | None:
    """The input's relative path recorded in ``outputs`` (None before any output was made)."""
    outputs = record.get("outputs") or {}
    return outputs.get("path")


def pdf_output_name(relative: str) -> str:
    path = PurePosixPath(relative)
    name = path.name if path.suffix.lower() == ".pdf" else path.name + ".pdf"
    return (PurePosixPath(PDF_DIR) / path.parent / name).as_posix()


def alto_output_names(relative: str, pages: int) -> list[str]:
    return [(PurePosixPath(ALTO_DIR) / relative / f"{n}.xml").as_posix() for n in range(1, pages + 1)]


def write_record_outputs(
    record: dict,
    root: Path,
    formats: Iterable[str],
    *,
    relative: str | None = None,
    source: Path | None = None,
) -> dict:
    """Write the record's ``formats`` ("pdf", "alto") under the corpus ``root`` and return
    its ``outputs`` entry: ``{"path", "pdf", "pdf_conformance", "alto", "errors"?}``.

    ``relative`` is the input's path relative to its input folder (default: the one the
    record's ``outputs`` already has). The PDF starts from ``source`` (the input file, for
    a first run) or else from the record's existing PDF output, whose invisible text layer
    is replaced: pages, images and everything visible stay as they are. A format that
    fails is logged and named in ``outputs["errors"]``; the other one is still written.
    """
    formats = [f for f in formats if f in OUTPUT_FORMATS]
    previous = dict(record.get("outputs") or {})
    relative = relative or output_relative_path(record)
    if not formats or record.get("kind") not in PAGED_KINDS or relative is None:
        return previous
    from nbsclean.corpus.outputs.geometry import record_placements

    placements = record_placements(record)
    outputs: dict = {"path": relative}
    errors: dict[str, str] = {}
    if "pdf" in formats:
        try:
            outputs["pdf"], outputs["pdf_conformance"] = _write_pdf(record, placements, root, relative, source)
        except Exception as exc:  # noqa: BLE001 - one bad output must not stop the batch
            log.warning("%s: no searchable PDF: %s", record.get("source"), exc)
            errors["pdf"] = f"{type(exc).__name__}: {exc}"
    if "alto" in formats:
        outputs["alto"] = _write_alto(record, placements, root, relative)
    if errors:
        outputs["errors"] = errors
    return outputs


def _write_pdf(record: dict, placements, root: Path, relative: str, source: Path | None) -> tuple[str, str | None]:
    from nbsclean.corpus.outputs.pdf import searchable_pdf

    name = pdf_output_name(relative)
    target = root / name
    if source is not None:
        base, kind = Path(source).read_bytes(), record["kind"]
    elif target.exists():
        base, kind = target.read_bytes(), "pdf"
    else:
        raise FileNotFoundError(f"neither the input nor an earlier output ({name}) is there to start from")
    data, conformance = searchable_pdf(record, placements, base, kind)
    write_atomic(target, data)
    return name, conformance


def _write_alto(record: dict, placements, root: Path, relative: str) -> list[str]:
    from nbsclean.corpus.outputs.alto import alto_page

    pages = record.get("pages") or []
    names = alto_output_names(relative, len(pages))
    version = str(record.get("nbsclean_version", ""))
    for page, placed, name in zip(pages, placements, names):
        xml = alto_page(page, placed, page_number=page["n"], source_name=relative, software_version=version)
        write_atomic(root / name, xml.encode("utf-8"))
    return names


def refresh_outputs(record: dict, root: Path) -> dict:
    """Rewrite the outputs ``record`` already has (after ``revert`` or a decision changed its
    edits), so the PDF and ALTO pages say what the record says; returns its ``outputs``."""
    outputs = record.get("outputs") or {}
    formats = [name for name in OUTPUT_FORMATS if outputs.get(name)]
    return write_record_outputs(record, root, formats) if formats else outputs
