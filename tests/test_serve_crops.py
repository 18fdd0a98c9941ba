"""`nbsclean review CORPUS --serve`: crops of real scans around each word, through the word
boxes extraction stores in the records (a real Tesseract run on a scanned page).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from test_serve import REPOSITORY, SEEDS, Served, nbsclean


def read_records(corpus: Path) -> dict[str, dict]:
    return {r["id"]: r for r in (json.loads(line) for line in (corpus / "documents.jsonl").read_text().splitlines())}

SCANS = REPOSITORY / "samples" / "scans"


@pytest.fixture(scope="module")
def scanned_corpus(tmp_path_factory) -> Path:
    """A corpus of one scanned page image (real Tesseract) and one text file."""
    work = tmp_path_factory.mktemp("scanned")
    (work / "in").mkdir()
    shutil.copy(SCANS / "seed000-serif-page1.input.png", work / "in" / "page.png")
    shutil.copy(SEEDS / "002_ed95ccfacf04fe09.txt", work / "in" / "seed.txt")
    result = nbsclean("run", "in", "-o", "corpus", "-j", "1", cwd=work)
    assert result.returncode == 0, result.stderr
    return work


def served_items(server: Served, document: str) -> list[dict]:
    html = server.request("GET", f"/doc/{document}?t={server.token}")[2].decode()
    return json.loads(html.split('<script type="application/json" id="items">')[1].split("</script>")[0])


def test_crops_show_the_scan_around_the_word(scanned_corpus, tmp_path):
    from io import BytesIO

    from PIL import Image

    records = read_records(scanned_corpus / "corpus")
    scan = next(r for r in records.values() if r["kind"] == "image")
    text = next(r for r in records.values() if r["kind"] == "text")
    assert scan["pages"][0]["words"]["start"], "the record has word boxes"
    server = Served(scanned_corpus / "corpus", args=("--sources", str(scanned_corpus / "in")))
    try:
        items = served_items(server, scan["id"])
        assert items and all(item["crop"] for item in items)
        page = Image.open(SCANS / "seed000-serif-page1.input.png")
        for item in items[:3]:
            path = item["crop"]
            status, headers, body = server.request("GET", path)
            assert status == 200 and headers["Content-Type"] == "image/png"
            crop = Image.open(BytesIO(body)).convert("L")
            # A piece of the page (not the whole page), with ink on it and the red outline.
            assert 20 < crop.width < page.width and 10 < crop.height < page.height / 3
            assert crop.getextrema()[0] < 100
            colours = {colour for _, colour in Image.open(BytesIO(body)).convert("RGB").getcolors(1 << 24)}
            assert (214, 40, 40) in colours
            again = server.request("GET", path)
            assert again[2] == body  # the same crop from the cache
        # A text file has no scan: its items have no crop, and asking for one is a 404.
        text_items = served_items(server, text["id"])
        assert text_items and not any(item["crop"] for item in text_items)
        assert server.request("GET", f"/crop/{text['id']}?start=0&end=3&t={server.token}")[0] == 404
    finally:
        server.stop()


def test_no_crop_from_a_file_that_is_not_the_source(scanned_corpus, tmp_path):
    """A file of the source's name but other bytes is never shown as the scan."""
    corpus = tmp_path / "corpus"
    shutil.copytree(scanned_corpus / "corpus", corpus)
    impostor = tmp_path / "in"
    impostor.mkdir()
    shutil.copy(SCANS / "seed003-sans-page1.input.png", impostor / "page.png")
    records = read_records(corpus)
    scan = next(r for r in records.values() if r["kind"] == "image")
    server = Served(corpus)  # the working directory does not hold the sources: only tmp_path/in
    try:
        items = served_items(server, scan["id"])
        assert items[0]["crop"]  # the record has boxes...
        assert server.request("GET", items[0]["crop"])[0] == 404  # ...but no file with its sha256 is found
    finally:
        server.stop()


def test_a_source_with_an_escaped_name_is_found(tmp_path):
    """Records carry odd file names escaped (a newline, a byte that is not UTF-8); the crop
    must still find the file on disk under its real name."""
    import os

    from nbsclean.corpus.inputs import display_source
    from nbsclean.review.crops import CropRenderer, file_sha256

    real_name = os.fsdecode(b"brev\nnummer-\xe5.png")
    scan = tmp_path / real_name
    scan.write_bytes(b"not really a PNG, only its place and hash matter here")
    record = {"source": display_source(scan, cwd=tmp_path), "sha256": file_sha256(scan)}
    assert "\n" not in record["source"] and "\\n" in record["source"]

    assert CropRenderer(tmp_path / "corpus", cwd=tmp_path).locate(record) == scan
