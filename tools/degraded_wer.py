"""WER per kind of degraded scan (samples/degraded), as the README's "Degraded scans" table.

    python tools/degraded_wer.py                    # runs `nbsclean check samples/degraded --json`
    python tools/degraded_wer.py --from report.json # a saved `nbsclean check --json` report

Per kind: the documents, their pooled WER (word errors over all reference words of the kind)
and the worst document's WER; then the pooled WER of all degraded documents.
Dev tool, not part of the package.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def check_report(path: Path | None) -> dict:
    if path is not None:
        return json.loads(path.read_text(encoding="utf-8"))
    nbsclean = ROOT / ".venv" / "bin" / "nbsclean"
    result = subprocess.run(
        [str(nbsclean), "check", str(ROOT / "samples" / "degraded"), "--json"],
        capture_output=True, text=True, check=False,
    )
    return json.loads(result.stdout)


def kind_of(case_name: str) -> str:
    return Path(case_name).name.split("-", 1)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="source", type=Path, help="a saved `nbsclean check --json` report")
    args = parser.parse_args(argv)
    report = check_report(args.source)
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for case in report["cases"]:
        by_kind[kind_of(case["name"])].append(case)
    print(f"| {'kind':10} | docs | words | WER (pooled) | worst document |")
    print("|---|---|---|---|---|")
    total_errors = total_words = 0.0
    for kind, cases in by_kind.items():
        words = sum(case["words"] for case in cases)
        errors = sum(case["wer"] * case["words"] for case in cases)
        worst = max(cases, key=lambda case: case["wer"])
        total_errors += errors
        total_words += words
        print(f"| {kind:10} | {len(cases)} | {words} | {errors / words:.1%} | {worst['wer']:.1%} ({Path(worst['name']).name}) |")
    print(f"| {'all':10} | {len(report['cases'])} | {int(total_words)} | {total_errors / total_words:.1%} | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
