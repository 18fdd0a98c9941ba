"""Searchable PDF and ALTO outputs (`nbsclean run --format pdf,alto`), checked with
independent tools: poppler's pdftotext/pdfimages, pdfium's renderer, pikepdf's PDF/A
validator, lxml for the ALTO structure. Real Tesseract, real files, a real process."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from nbsclean.corpus.outputs.alto import ALTO_NAMESPACE, UNITS_PER_POINT, alto_page
from nbsclean.corpus.outputs.geometry import page_edits, place_repaired_words, record_placements
from nbsclean.corpus.outputs.writer import relative_input_paths
from nbsclean.edits import Edit, apply_edits
from nbsclean.evaluate import wer
from nbsclean.extract.model import Word, words_to_columns

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
ALTO = {"a": ALTO_NAMESPACE}

def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pdftotext(path: Path, *args: str) -> str:
    return subprocess.run(["pdftotext", *args, str(path), "-"], capture_output=True, text=True, check=True).stdout


def _images(path: Path) -> list[tuple[str, ...]]:
    """pdfimages -list rows without the object ids: page, type, pixels, colour, encoding,
    resolution and the image's size in bytes."""
    rows = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    return [tuple(line.split()[:10]) + tuple(line.split()[12:15]) for line in rows.splitlines()[2:]]


def _dehyphenated(text: str) -> str:
    """Words broken with "-" at a line end joined. pdftotext joins some of them by itself (by
    rules of its own), so both texts are compared with every such break joined."""
    return re.sub(r"-[ \t]*\n\s*(?=\S)", "", text)


def _layer_wer(record_text: str, pdf_text: str) -> float:
    return wer(_dehyphenated(record_text), _dehyphenated(pdf_text))


def _sideways_scan_pdf(image_path: Path, target: Path) -> None:
    """A scanner's PDF of a page fed in sideways and shown upright through /Rotate 90."""
    import img2pdf
    import pikepdf
    from PIL import Image

    with Image.open(image_path) as image:
        sideways = image.convert("L").rotate(90, expand=True)
    buffer = io.BytesIO()
    sideways.save(buffer, format="PNG", dpi=(300, 300))
    with pikepdf.open(io.BytesIO(img2pdf.convert(buffer.getvalue()))) as pdf:
        pdf.pages[0].Rotate = 90
        pdf.save(target)


def _words_found(pdf: Path) -> dict[str, tuple[float, ...]]:
    """pdftotext -bbox: each word's (first) box on the page as displayed."""
    html = _pdftotext(pdf, "-bbox")
    found: dict[str, tuple[float, ...]] = {}
    for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html):
        found.setdefault(m.group(5), tuple(float(m.group(i)) for i in range(1, 5)))
    return found


def _ink(page_image, box) -> float:
    x0, y0, x1, y1 = box
    crop = page_image.crop((int(x0), int(y0), int(x1) + 1, int(y1) + 1))
    return sum(1 for p in crop.getdata() if p < 128) / max(1, crop.width * crop.height)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """One run over an archive folder - a scan PDF with a bad English text layer (in a
    sub-folder) and a born-digital PDF - and one over a page image OCR'd with Tesseract's
    English model (so that the repair replaces words), both with --format pdf,alto."""
    root = tmp_path_factory.mktemp("outputs")
    archive = root / "archive"
    (archive / "2024").mkdir(parents=True)
    shutil.copy(SAMPLES / "scans" / "seed003-sans-badlayer.input.pdf", archive / "2024" / "nyhetsbrev-24-1.pdf")
    shutil.copy(SAMPLES / "scans" / "born-digital-seed001.input.pdf", archive / "born.pdf")
    _sideways_scan_pdf(SAMPLES / "scans" / "seed003-sans-page1.input.png", archive / "rotated.pdf")
    hashes = {p: _sha(p) for p in archive.rglob("*") if p.is_file()}
    subprocess.run(
        [sys.executable, "-m", "nbsclean", "run", str(archive), "-o", str(root / "corpus"), "-j", "1",
         "--format", "txt,pdf,alto"],
        check=True, capture_output=True, cwd=root,
    )
    # The same page image read with Tesseract's English model: damaged Swedish to repair.
    english = root / "english"
    english.mkdir()
    shutil.copy(SAMPLES / "scans" / "seed003-sans-page1.input.png", english / "page.png")
    subprocess.run(
        [sys.executable, "-m", "nbsclean", "run", str(english), "-o", str(root / "english-corpus"), "-j", "1",
         "--lang", "eng", "--format", "pdf,alto"],
        check=True, capture_output=True, cwd=root,
    )
    records = {r["source"]: r for r in map(json.loads, (root / "corpus" / "documents.jsonl").open())}
    english_record = json.loads((root / "english-corpus" / "documents.jsonl").read_text().splitlines()[0])
    outputs = [(root / "corpus", r) for r in records.values()] + [(root / "english-corpus", english_record)]
    return {"root": root, "archive": archive, "hashes": hashes, "records": records, "english": english_record,
            "all": outputs}


@pytest.mark.slow
def test_outputs_mirror_the_input_folder_and_records_point_at_them(corpus):
    records = corpus["records"]
    scan = records["archive/2024/nyhetsbrev-24-1.pdf"]["outputs"]
    assert scan["pdf"] == "pdf/2024/nyhetsbrev-24-1.pdf"
    assert scan["alto"] == ["alto/2024/nyhetsbrev-24-1.pdf/1.xml", "alto/2024/nyhetsbrev-24-1.pdf/2.xml"]
    assert corpus["english"]["outputs"]["pdf"] == "pdf/page.png.pdf"
    for corpus_dir, record in corpus["all"]:
        for name in [record["outputs"]["pdf"], *record["outputs"]["alto"]]:
            assert (corpus_dir / name).is_file()
    # Inputs are never modified; no temporary file is left behind.
    assert {p: _sha(p) for p in corpus["archive"].rglob("*") if p.is_file()} == corpus["hashes"]
    assert not list((corpus["root"] / "corpus").rglob(".*.tmp"))


@pytest.mark.slow
def test_pdf_text_layer_is_the_record_text_and_the_page_images_are_the_originals(corpus):
    root = corpus["root"]
    for corpus_dir, record in corpus["all"]:
        output = corpus_dir / record["outputs"]["pdf"]
        original = root / record["source"]
        if record["kind"] == "pdf":
            assert _images(output) == _images(original)
        else:
            # The image is in the PDF losslessly: pdfimages gives back the same pixels.
            extracted = root / "extracted"
            subprocess.run(["pdfimages", "-png", str(output), str(extracted)], check=True)
            from PIL import Image, ImageChops

            with Image.open(original) as a, Image.open(f"{extracted}-000.png") as b:
                assert ImageChops.difference(a.convert("L"), b.convert("L")).getbbox() is None
        if all(page["method"] == "text_layer" for page in record["pages"]):
            # A born-digital PDF with a good layer stays as it is.
            assert _pdftotext(output) == _pdftotext(original)
            continue
        assert _layer_wer(record["text"], _pdftotext(output)) <= 0.005
        if record["kind"] == "pdf":
            assert output.stat().st_size <= 1.1 * original.stat().st_size


@pytest.mark.slow
def test_bad_english_layer_is_replaced_by_the_repaired_text(corpus):
    record = corpus["records"]["archive/2024/nyhetsbrev-24-1.pdf"]
    truth = (SAMPLES / "scans" / "seed003-sans-badlayer.expected.txt").read_text(encoding="utf-8")
    before = wer(truth, _pdftotext(corpus["archive"] / "2024" / "nyhetsbrev-24-1.pdf"))
    after = wer(truth, _pdftotext(corpus["root"] / "corpus" / record["outputs"]["pdf"]))
    assert before > 0.2  # the English layer as it came
    assert after <= max(0.01, wer(truth, record["text"]) + 0.002)


@pytest.mark.slow
def test_a_repaired_word_is_found_on_the_ink_where_the_scan_shows_it(corpus):
    """Search the output PDF for words the repair replaced; pdftotext -bbox says where it
    found them, and the page as rendered has ink there."""
    import pypdfium2 as pdfium

    record = corpus["english"]
    replaced = [e for e in record["edits"] if e["rule"] != "hyphen_join" and e["after"].strip() and e["before"].strip()]
    assert replaced, "the English model's damage gives the repair something to replace"
    output = corpus["root"] / "english-corpus" / record["outputs"]["pdf"]
    found = _words_found(output)
    page = pdfium.PdfDocument(str(output))[0].render(scale=1).to_pil().convert("L")
    checked = 0
    for edit in replaced:
        word = next((w for w in re.findall(r"\w+", edit["after"]) if len(w) >= 4 and w in found), None)
        if word is None or word in re.findall(r"\w+", record["raw_text"]):
            continue
        assert _ink(page, found[word]) > 0.05, f"{word} at {found[word]}"
        checked += 1
    assert checked >= 3


@pytest.mark.slow
def test_a_page_shown_through_rotate_gets_its_text_where_the_words_are(corpus):
    import pypdfium2 as pdfium

    record = corpus["records"]["archive/rotated.pdf"]
    output = corpus["root"] / "corpus" / record["outputs"]["pdf"]
    assert _layer_wer(record["text"], _pdftotext(output)) <= 0.005
    page = pdfium.PdfDocument(str(output))[0].render(scale=1).to_pil().convert("L")
    found = _words_found(output)
    long_words = [w for w in record["text"].split() if len(w) >= 6 and w.isalpha() and w in found][:20]
    assert len(long_words) >= 10
    assert all(_ink(page, found[word]) > 0.05 for word in long_words)


@pytest.mark.slow
def test_pdfa_validates(corpus):
    from pikepdf.pdfa import validate_written

    for corpus_dir, record in corpus["all"]:
        output = corpus_dir / record["outputs"]["pdf"]
        report = validate_written(output, "2b")
        assert report.passed == (record["outputs"]["pdf_conformance"] == "PDF/A-2b"), report
    scanned = corpus["records"]["archive/2024/nyhetsbrev-24-1.pdf"]["outputs"]
    assert scanned["pdf_conformance"] == corpus["english"]["outputs"]["pdf_conformance"] == "PDF/A-2b"


def _check_alto(path: Path, page: dict) -> list[etree._Element]:
    """The structural checks README lists for ALTO (no ALTO 4 XSD is installable here)."""
    tree = etree.parse(str(path))
    root = tree.getroot()
    assert root.tag == f"{{{ALTO_NAMESPACE}}}alto"
    assert root.findtext("a:Description/a:MeasurementUnit", namespaces=ALTO) == "inch1200"
    (page_element,) = root.findall("a:Layout/a:Page", ALTO)
    width, height = int(page_element.get("WIDTH")), int(page_element.get("HEIGHT"))
    assert abs(width - page["width"] * UNITS_PER_POINT) <= 1 and abs(height - page["height"] * UNITS_PER_POINT) <= 1
    ids = [e.get("ID") for e in root.iter() if e.get("ID")]
    assert len(ids) == len(set(ids))
    for block in page_element.iterfind("a:PrintSpace/a:TextBlock", ALTO):
        for line in block.iterfind("a:TextLine", ALTO):
            children = [etree.QName(c).localname for c in line]
            assert children[0] == "String" and all(
                a != b for a, b in zip(children, children[1:])
            ), "String and SP alternate"
    strings = root.findall(".//a:String", ALTO)
    for string in strings:
        x, y = int(string.get("HPOS")), int(string.get("VPOS"))
        w, h = int(string.get("WIDTH")), int(string.get("HEIGHT"))
        assert 0 <= x and 0 <= y and x + w <= width and y + h <= height, "every String inside its Page"
        if string.get("WC") is not None:
            assert 0 <= float(string.get("WC")) <= 1
    return strings


def _alto_words(strings) -> list[str]:
    """The words as ALTO gives them: a hyphenated word once, from its SUBS_CONTENT."""
    words = []
    for string in strings:
        kind = string.get("SUBS_TYPE")
        if kind == "HypPart2":
            continue
        words.append(string.get("SUBS_CONTENT") if kind == "HypPart1" else string.get("CONTENT"))
    return words


@pytest.mark.slow
def test_alto_pages_are_well_formed_inside_their_pages_and_read_as_the_page_text(corpus):
    for corpus_dir, record in corpus["all"]:
        for page, name in zip(record["pages"], record["outputs"]["alto"]):
            strings = _check_alto(corpus_dir / name, page)
            assert _alto_words(strings) == page["text"].split()
    english_strings = etree.parse(str(corpus["root"] / "english-corpus" / corpus["english"]["outputs"]["alto"][0]))
    alternatives = english_strings.findall(".//a:String/a:ALTERNATIVE", ALTO)
    assert alternatives, "replaced words keep the word as OCR read it"
    for alternative in alternatives:
        assert alternative.text != alternative.getparent().get("CONTENT")


def _copy_with_a_replaced_word(corpus, tmp_path):
    """A copy of the English-model corpus, its first record, and an edit of that record
    that replaced a word by one the raw text does not hold (so its trace is unambiguous)."""
    corpus_dir = tmp_path / "corpus"
    shutil.copytree(corpus["root"] / "english-corpus", corpus_dir)
    record = json.loads((corpus_dir / "documents.jsonl").read_text().splitlines()[0])
    edit = next(e for e in record["edits"] if e["rule"] != "hyphen_join" and len(e["after"].strip()) >= 4
                and " " not in e["after"].strip() and e["after"].strip() not in record["raw_text"])
    return corpus_dir, record, edit


@pytest.mark.slow
def test_revert_rewrites_pdf_and_alto_from_the_record(corpus, tmp_path):
    corpus_dir, record, edit = _copy_with_a_replaced_word(corpus, tmp_path)
    subprocess.run(
        [sys.executable, "-m", "nbsclean", "revert", str(corpus_dir), "--edit", f"{record['id']}:{edit['id']}"],
        check=True, capture_output=True,
    )
    reverted = json.loads((corpus_dir / "documents.jsonl").read_text().splitlines()[0])
    assert reverted["outputs"] == record["outputs"]
    pdf_text = _pdftotext(corpus_dir / reverted["outputs"]["pdf"])
    assert _layer_wer(reverted["text"], pdf_text) <= 0.005
    strings = _check_alto(corpus_dir / reverted["outputs"]["alto"][0], reverted["pages"][0])
    assert _alto_words(strings) == reverted["pages"][0]["text"].split()
    # The page images are still the originals after the rewrite.
    assert _images(corpus_dir / reverted["outputs"]["pdf"]) == _images(corpus["root"] / "english-corpus" / record["outputs"]["pdf"])


@pytest.mark.slow
def test_a_decision_rewrites_pdf_and_alto_from_the_record(corpus, tmp_path):
    corpus_dir, record, edit = _copy_with_a_replaced_word(corpus, tmp_path)
    subprocess.run(
        [sys.executable, "-m", "nbsclean", "decide", str(corpus_dir), "--correct", f"{record['id']}:{edit['id']}=Zyxbeslut"],
        check=True, capture_output=True,
    )
    decided = json.loads((corpus_dir / "documents.jsonl").read_text().splitlines()[0])
    assert "Zyxbeslut" in decided["text"] and decided["outputs"] == record["outputs"]
    assert "Zyxbeslut" in _pdftotext(corpus_dir / decided["outputs"]["pdf"])
    page = next(p for p in decided["pages"] if "Zyxbeslut" in p["text"])
    alto = decided["outputs"]["alto"][decided["pages"].index(page)]
    strings = _check_alto(corpus_dir / alto, page)
    assert _alto_words(strings) == page["text"].split()


@pytest.mark.slow
def test_resume_after_a_lexicon_change_rewrites_pdf_and_alto(corpus, tmp_path):
    """`run --resume` repairs the record again from its raw text after a lexicon change and
    keeps its searchable PDF and ALTO pages in step (corpus.rewrite, as revert and decide).
    Without that the PDF and ALTO would still carry the first run's repairs."""
    corpus_dir, record, _ = _copy_with_a_replaced_word(corpus, tmp_path)
    lexicons = tmp_path / "lexicons"
    shutil.copytree(SAMPLES.parent / "lexicons", lexicons, ignore=shutil.ignore_patterns("candidates.tsv"))
    env = {**os.environ, "NBSCLEAN_LEXICON_DIR": str(lexicons)}
    # A lexicon without its OCR confusion table: the repair now leaves most damage as read.
    table = lexicons / "confusions.tsv"
    table.write_text("".join(line + "\n" for line in table.read_text(encoding="utf-8").splitlines()
                             if line.startswith("#")), encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "nbsclean", "run", str(corpus["root"] / "english"), "-o", str(corpus_dir), "-j", "1",
         "--lang", "eng", "--format", "pdf,alto", "--resume"],
        check=True, capture_output=True, env=env,
    )
    resumed = json.loads((corpus_dir / "documents.jsonl").read_text().splitlines()[0])
    assert json.loads((corpus_dir / "manifest.json").read_text())["runs"][-1]["rerepaired"] == 1
    assert resumed["lexicon_sha256"] != record["lexicon_sha256"] and resumed["text"] != record["text"]
    assert resumed["outputs"] == record["outputs"]
    # The PDF's text layer is the new text (its damaged tokens read back a little apart), not the old.
    pdf_text = _pdftotext(corpus_dir / resumed["outputs"]["pdf"])
    assert _layer_wer(resumed["text"], pdf_text) <= 0.03
    assert _layer_wer(resumed["text"], pdf_text) < _layer_wer(record["text"], pdf_text)
    for page, alto in zip(resumed["pages"], resumed["outputs"]["alto"]):
        assert _alto_words(_check_alto(corpus_dir / alto, page)) == page["text"].split()


# --- fast checks without Tesseract ----------------------------------------------------------


def test_relative_input_paths_mirror_the_folder_given(tmp_path):
    archive = tmp_path / "archive"
    (archive / "2024").mkdir(parents=True)
    a = archive / "2024" / "a.pdf"
    b = tmp_path / "b.png"
    for path in (a, b):
        path.write_bytes(b"x")
    assert relative_input_paths([archive, b], [a, b]) == {a: "2024/a.pdf", b: "b.png"}


def test_record_pages_get_their_own_edits_and_places():
    page_one = "Till-\nsammans i S6rmland"
    page_two = "fér alla"
    raw = page_one + "\f" + page_two
    edits = [Edit(4, 6, "-\n", "", "hyphen_join"), Edit(16, 24, "S6rmland", "Sörmland", "confusion", 0.9),
             Edit(25, 28, "fér", "för", "confusion", 0.9)]
    text = apply_edits(raw, edits)
    words_one = [Word(0, 5, "Till-", 10, 10, 40, 20, 90, 0, 0), Word(6, 13, "sammans", 10, 22, 60, 32, 80, 0, 1),
                 Word(14, 15, "i", 62, 22, 66, 32, 95, 0, 1), Word(16, 24, "S6rmland", 70, 22, 130, 32, 60, 0, 1)]
    words_two = [Word(0, 3, "fér", 10, 10, 30, 20, 70, 0, 0), Word(4, 8, "alla", 34, 10, 60, 20, 90, 0, 0)]
    record = {
        "raw_text": raw, "text": text, "edits": [e.to_dict() for e in edits],
        "pages": [
            {"n": 1, "raw_text": page_one, "text": text.split("\f")[0], "width": 200, "height": 100,
             "words": words_to_columns(words_one)},
            {"n": 2, "raw_text": page_two, "text": text.split("\f")[1], "width": 200, "height": 100,
             "words": words_to_columns(words_two)},
        ],
    }
    assert [len(p) for p in page_edits(record)] == [2, 1]
    first, second = record_placements(record)
    assert [w.text for w in first] == ["Tillsammans", "i", "Sörmland"]
    assert [w.text for w in second] == ["för", "alla"]
    assert second[0].original == "fér" and second[0].box == (10, 10, 30, 20)


def test_alto_of_a_hyphen_join_and_a_replacement(tmp_path):
    raw = "ska Till-\nsammans S6rmland"
    edits = [Edit(8, 10, "-\n", "", "hyphen_join"), Edit(18, 26, "S6rmland", "Sörmland", "confusion", 0.9)]
    words = [Word(0, 3, "ska", 10, 10, 30, 20, 91, 0, 0), Word(4, 9, "Till-", 34, 10, 64, 20, 88, 0, 0),
             Word(10, 17, "sammans", 10, 22, 56, 32, 77, 0, 1), Word(18, 26, "S6rmland", 60, 22, 110, 32, 55, 0, 1)]
    placed = place_repaired_words(raw, edits, words)
    page = {"n": 1, "width": 200, "height": 100, "method": "ocr", "ocr_lang": "eng"}
    path = tmp_path / "1.xml"
    path.write_text(alto_page(page, placed, page_number=1, source_name="a & b.pdf", software_version="0"))
    strings = _check_alto(path, page)
    assert [s.get("CONTENT") for s in strings] == ["ska", "Till", "sammans", "Sörmland"]
    assert [s.get("SUBS_TYPE") for s in strings] == [None, "HypPart1", "HypPart2", None]
    assert _alto_words(strings) == apply_edits(raw, edits).split()
    assert strings[3].findtext("a:ALTERNATIVE", namespaces=ALTO) == "S6rmland"
    assert strings[0].find("a:ALTERNATIVE", ALTO) is None and strings[0].get("WC") == "0.91"
    assert etree.parse(str(path)).getroot().find(".//a:HYP", ALTO) is not None
