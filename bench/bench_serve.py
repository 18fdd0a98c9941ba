"""The served review page on a large corpus: `nbsclean review CORPUS --serve` on 1 000
documents with 50 000 edits.

    python bench/bench_serve.py [--documents 1000] [--edits-per-document 50] [--keep DIR]

Builds a synthetic corpus from the archive's damaged seed newsletters (each document a run
of their paragraphs repaired by the real engine, cut to the given number of edits, two
pages each), starts the real server as a subprocess and measures, with a plain HTTP
client: the start-up (until the URL is printed), the time to first byte of the index, and
of document pages - the first (which loads the lexicon) and others. Side by side, in the
same run: the static `nbsclean review` of the same corpus (one page with every document),
which is what an archivist had before.

Targets: the index and a document page answer in under 1 s each (the first byte).
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

SEEDS = sorted((REPO / "samples" / "seeds").glob("*.input.txt"))
TARGET_SECONDS = 1.0


def log(message: str) -> None:
    print(f"bench_serve: {message}", file=sys.stderr, flush=True)


def paragraphs() -> list[str]:
    found = []
    for path in SEEDS:
        found += [p.strip() for p in path.read_text(encoding="utf-8").split("\n\n") if len(p.strip()) > 80]
    return found


def build_corpus(folder: Path, documents: int, edits_per_document: int) -> tuple[int, int]:
    """Write documents.jsonl (and a manifest) for a synthetic corpus; return (documents, edits)."""
    from nbsclean.edits import Edit, apply_edits
    from nbsclean.repair.engine import repair_text

    pool = paragraphs()
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    lines = []
    for n in range(documents):
        chosen, k = [], n
        raw, edits = "", []
        while len(edits) < edits_per_document:
            chosen.append(pool[k % len(pool)])
            k += 7
            half = max(1, len(chosen) // 2)
            raw = "\n\n".join(chosen[:half]) + "\f" + "\n\n".join(chosen[half:]) if len(chosen) > 1 else chosen[0]
            edits = repair_text(raw).edits
        edits = [e for e in edits][:edits_per_document]
        text = apply_edits(raw, edits)
        sha = hashlib.sha256(f"{n}:{raw}".encode()).hexdigest()
        pages = [{"n": i + 1, "method": "text", "reason": "synthetic", "ocr_lang": None, "ocr_conf": None,
                  "raw_text": page_raw, "text": page_text}
                 for i, (page_raw, page_text) in enumerate(zip(raw.split("\f"), text.split("\f")))]
        record = {
            "id": sha[:16], "source": f"synthetic/{n:04d}.txt", "sha256": sha, "bytes": len(raw.encode()), "kind": "text",
            "pages": pages, "raw_text": raw, "text": text,
            "edits": [{"id": f"e{i}", **Edit.to_dict(e)} for i, e in enumerate(edits, start=1)],
            "stats": {"words": len(text.split()), "edits": len(edits), "unknown_words": 0},
        }
        total += len(edits)
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    (folder / "documents.jsonl").write_text("".join(lines), encoding="utf-8")
    (folder / "manifest.json").write_text(json.dumps({"counts": {"documents": documents, "edits": total}}), encoding="utf-8")
    return documents, total


def first_byte(port: int, path: str) -> tuple[float, int, int]:
    """(seconds to the response's first byte, status, body length)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        started = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        seconds = time.perf_counter() - started
        return seconds, response.status, len(response.read())
    finally:
        connection.close()


def measure_server(corpus: Path, document_ids: list[str]) -> dict:
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "nbsclean", "-q", "review", str(corpus), "--serve"], stdout=subprocess.PIPE, text=True
    )
    try:
        url = process.stdout.readline().strip()
        startup = time.perf_counter() - started
        parts = urlsplit(url)
        token = parts.query.split("t=", 1)[1]
        index = [first_byte(parts.port, f"/?t={token}") for _ in range(3)]
        picks = [document_ids[i] for i in (0, len(document_ids) // 2, len(document_ids) - 1, 1, 2, 3)]
        documents = [first_byte(parts.port, f"/doc/{d}?t={token}") for d in picks]
        assert all(status == 200 for _, status, _ in index + documents)
        return {
            "startup": startup,
            "index_first": index[0][0],
            "index_warm": statistics.median(s for s, _, _ in index[1:]),
            "index_bytes": index[0][2],
            "document_first": documents[0][0],
            "document_warm": statistics.median(s for s, _, _ in documents[1:]),
            "document_max": max(s for s, _, _ in documents[1:]),
            "document_bytes": statistics.median(b for _, _, b in documents),
        }
    finally:
        process.terminate()
        process.wait(timeout=30)


def measure_static(corpus: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nbsclean", "-q", "review", str(corpus), "-o", str(corpus / "review.html")],
                   check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--edits-per-document", type=int, default=50)
    parser.add_argument("--keep", type=Path, help="build the corpus here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as temporary:
        corpus = args.keep or Path(temporary) / "corpus"
        log(f"building a corpus of {args.documents} documents in {corpus}")
        started = time.perf_counter()
        documents, edits = build_corpus(corpus, args.documents, args.edits_per_document)
        log(f"built in {time.perf_counter() - started:.1f} s: {documents} documents, {edits} edits")
        ids = [json.loads(line)["id"] for line in (corpus / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
        size = (corpus / "documents.jsonl").stat().st_size
        log("measuring the served page")
        served = measure_server(corpus, ids)
        log("measuring the static page (the baseline)")
        static = measure_static(corpus)
    index_ok = served["index_first"] < TARGET_SECONDS
    document_ok = served["document_warm"] < TARGET_SECONDS and served["document_first"] < TARGET_SECONDS
    verdict = lambda ok: "PASS" if ok else "FAIL"  # noqa: E731
    print(f"""## Served review page (`nbsclean review --serve`)

Corpus: {documents} documents, {edits} edits, documents.jsonl {size / 1e6:.1f} MB (synthetic: the damaged seeds'
paragraphs repaired by the engine, two pages a document). Times to the first byte over a local socket.

| measure | seconds | target |
|---|---:|---|
| server start-up (until the URL is printed; reads the whole index) | {served['startup']:.2f} | |
| index page, first request ({served['index_bytes'] / 1e3:.0f} kB) | {served['index_first']:.3f} | < {TARGET_SECONDS:g} s: {verdict(index_ok)} |
| index page, again (median of 2) | {served['index_warm']:.3f} | |
| document page, first (loads the lexicon; {served['document_bytes'] / 1e3:.0f} kB) | {served['document_first']:.3f} | < {TARGET_SECONDS:g} s: {verdict(served['document_first'] < TARGET_SECONDS)} |
| document page, others (median of 5; slowest {served['document_max']:.3f}) | {served['document_warm']:.3f} | < {TARGET_SECONDS:g} s: {verdict(served['document_warm'] < TARGET_SECONDS)} |
| baseline, same run: static `nbsclean review` of the whole corpus (whole command) | {static:.2f} | |

Verdict: {verdict(index_ok and document_ok)}.""")
    return 0


if __name__ == "__main__":
    sys.exit(main())
