"""`nbsclean review CORPUS --serve`: the served review page, as a real process on a real
socket: who may talk to it, what it answers, how it stops, and (in headless Chromium, as
tests/test_review.py) what its buttons and keys write into the corpus.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
if not SEEDS.is_dir():
    SEEDS = Path("/work/shared/seeds")
REPOSITORY = Path(__file__).resolve().parents[1]


def nbsclean(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nbsclean", *args],
        capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=600, cwd=cwd,
    )


@pytest.fixture(scope="module")
def built_corpus(tmp_path_factory) -> Path:
    inputs = tmp_path_factory.mktemp("inputs")
    for name in ("002_ed95ccfacf04fe09.txt", "004_6ac11f0aea4c5446.txt", "003_2d3aac59f898cc7c.txt"):
        shutil.copy(SEEDS / name, inputs / name)
    # Names no lexicon knows: the unknown words a reviewer adds to the archive's lexicon.
    (inputs / "names.txt").write_text(
        "Möte i Trulsbrink och Kvarnbyvik.\nStyrgruppen i Trulsbrink träffas varje månad i Kvarnbyvik.\n", encoding="utf-8"
    )
    out = tmp_path_factory.mktemp("corpus") / "c"
    result = nbsclean("run", str(inputs), "-o", str(out), "-j", "1")
    assert result.returncode == 0, result.stderr
    return out


class Served:
    """A running `nbsclean review --serve` process and the URL it printed."""

    def __init__(self, corpus: Path, env: dict | None = None, args: tuple[str, ...] = ()):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "nbsclean", "review", str(corpus), "--serve", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})},
        )
        self.url = self.process.stdout.readline().strip()
        assert self.url.startswith("http://127.0.0.1:"), (self.url, self.process.stderr.read() if not self.url else "")
        parts = urlsplit(self.url)
        self.port = parts.port
        self.token = parts.query.split("t=", 1)[1]

    def request(self, method: str, path: str, *, headers: dict | None = None, body: bytes | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.putrequest(method, path, skip_host=True)
            sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
            if body is not None:
                sent["Content-Length"] = str(len(body))
            for name, value in sent.items():
                if value is not None:
                    connection.putheader(name, value)
            connection.endheaders(body)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def stop(self, signum: int = signal.SIGTERM) -> tuple[int, str]:
        if self.process.poll() is None:
            self.process.send_signal(signum)
        try:
            self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
        return self.process.returncode, self.process.stderr.read()


@pytest.fixture()
def served(built_corpus, tmp_path):
    corpus = tmp_path / "c"
    shutil.copytree(built_corpus, corpus)
    server = Served(corpus)
    yield server
    server.stop()


def first_document(served: Served) -> str:
    records = [json.loads(line) for line in (Path(served.process.args[4]) / "documents.jsonl").read_text().splitlines()]
    return max(records, key=lambda r: len(r["edits"]))["id"]


def test_token_is_required_on_every_path(served):
    document = first_document(served)
    for path in ("/", f"/doc/{document}", f"/crop/{document}?start=0&end=3", "/api/candidates?word=Sormland", "/nope"):
        bare = path.split("?")[0] + ("?" + path.split("?")[1] if "?" in path else "")
        status, _, body = served.request("GET", bare)
        assert status == 403, path
        joiner = "&" if "?" in bare else "?"
        wrong = served.request("GET", f"{bare}{joiner}t={served.token[:-2]}xx")
        assert wrong[0] == 403, path
    status, headers, body = served.request("GET", f"/?t={served.token}")
    assert status == 200 and b"documents" in body
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "no-referrer"
    # The token in a header does as well as in the URL.
    assert served.request("GET", "/", headers={"X-Nbsclean-Token": served.token})[0] == 200


def test_foreign_host_and_origin_are_refused(served):
    ok = f"/?t={served.token}"
    assert served.request("GET", ok, headers={"Host": f"localhost:{served.port}"})[0] == 200
    for host in (f"evil.example:{served.port}", "127.0.0.1", f"127.0.0.1:{served.port + 1}", None):
        assert served.request("GET", ok, headers={"Host": host})[0] == 403, host
    for origin in ("http://evil.example", f"http://127.0.0.1:{served.port + 1}", "null"):
        assert served.request("GET", ok, headers={"Origin": origin})[0] == 403, origin
    assert served.request("GET", ok, headers={"Origin": f"http://127.0.0.1:{served.port}"})[0] == 200
    assert served.request("GET", ok, headers={"Sec-Fetch-Site": "cross-site"})[0] == 403


def test_a_refused_decision_writes_nothing(served):
    corpus = Path(served.process.args[4])
    before = (corpus / "documents.jsonl").read_bytes()
    document = first_document(served)
    body = json.dumps({"action": "reject", "document": document, "ref": f"{document}:e1"}).encode()
    headers = {"Content-Type": "application/json"}
    status, response_headers, _ = served.request("POST", "/api/decide", headers=headers, body=body)
    assert status == 403 and response_headers["Connection"] == "close"  # the unread body is not a request
    assert served.request("POST", "/api/decide?t=wrong", headers=headers, body=body)[0] == 403
    foreign = {**headers, "Origin": "http://evil.example", "X-Nbsclean-Token": served.token}
    assert served.request("POST", "/api/decide", headers=foreign, body=body)[0] == 403
    assert (corpus / "documents.jsonl").read_bytes() == before
    assert not (corpus / "decisions.jsonl").exists()


def listening_addresses(port: int) -> list[str]:
    """Local addresses of the sockets listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.append(address)
    return found


def test_listens_on_loopback_only(served):
    assert listening_addresses(served.port) == ["0100007F"]  # 127.0.0.1, nothing on IPv6 or 0.0.0.0
    other = [a for a in socket.gethostbyname_ex(socket.gethostname())[2] if not a.startswith("127.")]
    for address in other:
        with pytest.raises(OSError):
            socket.create_connection((address, served.port), timeout=2).close()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stops_cleanly_on_a_signal(built_corpus, signum):
    server = Served(built_corpus)
    assert server.request("GET", f"/?t={server.token}")[0] == 200
    code, stderr = server.stop(signum)
    assert code == 0, stderr
    assert "stopped" in stderr and "Traceback" not in stderr
    assert listening_addresses(server.port) == []


def test_document_page_lists_every_edit(served):
    corpus = Path(served.process.args[4])
    records = {json.loads(line)["id"]: json.loads(line) for line in (corpus / "documents.jsonl").read_text().splitlines()}
    index = served.request("GET", f"/?t={served.token}")[2].decode()
    for document, record in records.items():
        assert f"/doc/{document}?t=" in index
        status, headers, body = served.request("GET", f"/doc/{document}?t={served.token}")
        assert status == 200 and headers["Cache-Control"] == "no-store"
        html = body.decode()
        items = json.loads(html.split('<script type="application/json" id="items">')[1].split("</script>")[0])
        edits = [i for i in items if i["kind"] == "edit"]
        assert [(i["key"], i["before"], i["after"], i["rule"]) for i in sorted(edits, key=lambda i: i["start"])] == [
            (e["id"], e["before"], e["after"], e["rule"]) for e in sorted(record["edits"], key=lambda e: e["start"])
        ]
        for item in items:  # every item is marked in the text, where the JSON says
            assert f'id="i-{item["key"]}"' in html
            assert item["ref"] == (f"{document}:{item['key']}" if item["kind"] == "edit" else f"{document}:{item['start']}-{item['end']}")
            if item["kind"] == "unknown":
                assert record["raw_text"][item["start"]:item["end"]] == item["before"]
    assert served.request("GET", f"/doc/0000000000000000?t={served.token}")[0] == 404


def test_candidates_come_from_the_engine(served):
    status, _, body = served.request("GET", f"/api/candidates?t={served.token}&word=S%C3%A9rmland")
    assert status == 200
    assert "Sörmland" in json.loads(body)["candidates"]


def test_a_long_document_is_shown_a_view_of_pages_at_a_time(tmp_path):
    # A 25-page volume, its record made by the pipeline's own record builder (a text file is
    # one page, and OCR of 25 scanned pages would take minutes).
    from nbsclean.extract.model import ExtractedDocument, Page
    from nbsclean.pipeline import PipelineOptions, build_record

    pages = [
        Page(n, "text", "synthetic volume", None, None, f"Sida {n}. Skolorna i Sérmland har bdsta resultat.\n")
        for n in range(1, 26)
    ]
    document = ExtractedDocument("volume.txt", "text", "ab" * 32, 1000, pages)
    record = build_record(document, PipelineOptions(), None)
    assert len(record["pages"]) == 25 and len(record["edits"]) >= 50
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "documents.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    server = Served(tmp_path / "c")
    try:
        def view(query: str) -> tuple[str, list[dict]]:
            status, _, body = server.request("GET", f"/doc/{record['id']}?t={server.token}{query}")
            assert status == 200
            html = body.decode()
            return html, json.loads(html.split('<script type="application/json" id="items">')[1].split("</script>")[0])

        first, first_items = view("")
        assert {i["page"] for i in first_items} == set(range(1, 21))
        assert 'data-page="20"' in first and 'data-page="21"' not in first
        assert "page=21" in first.split('id="next-pages"')[1].split(">")[0]
        rest, rest_items = view("&page=21")
        assert {i["page"] for i in rest_items} == set(range(21, 26))
        assert 'id="previous-pages"' in rest and 'id="next-pages"' not in rest
        # Every edit of the document is in exactly one view.
        assert sorted(i["key"] for i in first_items + rest_items if i["kind"] == "edit") == sorted(e["id"] for e in record["edits"])
        assert server.request("GET", f"/doc/{record['id']}?t={server.token}&page=26")[0] == 404
    finally:
        server.stop()


def test_a_rotated_pdf_page_is_rendered_as_stored(tmp_path):
    """Word boxes are on the page as stored, so the crop's page is rendered without /Rotate."""
    import pikepdf

    from nbsclean.review.crops import render_page

    source = REPOSITORY / "samples" / "scans" / "born-digital-seed001.input.pdf"
    rotated = tmp_path / "rotated.pdf"
    with pikepdf.open(source) as pdf:
        pdf.pages[0].Rotate = 90
        pdf.save(rotated)
    before = rotated.read_bytes()
    plain, turned = render_page(source, "pdf", 1), render_page(rotated, "pdf", 1)
    assert turned.size == plain.size and plain.width < plain.height  # A4 upright, not turned
    assert rotated.read_bytes() == before  # the input is never written


def test_a_client_that_leaves_mid_answer_is_not_an_internal_error(built_corpus, tmp_path, caplog):
    """A browser skips past a crop with `j` or closes the tab while the answer is written: the
    write fails with a broken pipe, which is logged at debug level, not as an internal error."""
    import logging

    from nbsclean.review.server import ReviewApp, ReviewServer

    corpus = tmp_path / "c"
    shutil.copytree(built_corpus, corpus)
    server = ReviewServer(ReviewApp(corpus, lexicon_directory=tmp_path / "lexicon"))
    try:
        port = server.server_address[1]
        server_end, client_end = socket.socketpair()
        request = f"GET /?t={server.app.token} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
        client_end.sendall(request.encode("ascii"))
        client_end.close()  # gone before the answer: every write to server_end is a broken pipe
        with caplog.at_level(logging.DEBUG, logger="nbsclean"):
            server.RequestHandlerClass(server_end, ("127.0.0.1", 40000), server)
        server_end.close()
    finally:
        server.server_close()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    assert "client left during /" in caplog.text
