"""`nbsclean repair [FILE|-]`: repaired text to stdout; --diff / --json explain the edits."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from nbsclean.commands.options import lexicon_option, project_option
from nbsclean.edits import Edit


def read_input_bytes(source: str) -> bytes:
    """The bytes of FILE, or of standard input for "-"; a named error when unreadable."""
    if source == "-":
        return sys.stdin.buffer.read()
    # The reader extraction uses: a FIFO or device is refused, never read for ever.
    from nbsclean.extract import read_input_bytes as read_regular_file

    return read_regular_file(source)


def repair_bytes(data: bytes, source: str, lexicon_directory: Optional[Path] = None) -> tuple[str, str, list[Edit], dict, str]:
    """Decode and repair; returns (raw text, repaired text, edits on the raw text, stats, encoding)."""
    from nbsclean.repair.lexicon import load_lexicon
    from nbsclean.repair.engine import repair_decoded
    from nbsclean.extract.textio import decode_text_bytes

    decoded = decode_text_bytes(data, source)
    result = repair_decoded(decoded.text, decoded.edits, load_lexicon(lexicon_directory))
    stats = dict(result.stats, damage=round(result.damage, 4))
    return decoded.text, result.text, result.edits, stats, decoded.encoding


def write_repaired_text(data: bytes, source: str, out, lexicon_directory: Optional[Path] = None) -> None:
    """Decode and repair, writing the repaired text to ``out`` piece by piece: without
    --diff or --json no edit needs to be kept, so a long text costs one piece's memory."""
    from nbsclean.edits import apply_edits
    from nbsclean.extract.textio import decode_text_bytes
    from nbsclean.repair.engine import iter_repair
    from nbsclean.repair.lexicon import load_lexicon

    decoded = decode_text_bytes(data, source)
    del data
    # The repair works on the text as decoding fixed it (mojibake), as repair_decoded does.
    text = apply_edits(decoded.text, decoded.edits) if decoded.edits else decoded.text
    del decoded
    for piece, _ in iter_repair(text, load_lexicon(lexicon_directory)):
        out.write(piece.text)


def format_diff(raw: str, edits: list[Edit], colour: bool) -> str:
    """One line per edit: where, what it was, what it became, which rule and how sure."""
    lines = []
    line_starts = [0] + [i + 1 for i, ch in enumerate(raw) if ch == "\n"]
    import bisect

    for number, edit in enumerate(edits, 1):
        line = bisect.bisect_right(line_starts, edit.start)
        column = edit.start - line_starts[line - 1] + 1
        before, after = json.dumps(edit.before, ensure_ascii=False), json.dumps(edit.after, ensure_ascii=False)
        if colour:
            before, after = f"\x1b[31m{before}\x1b[0m", f"\x1b[32m{after}\x1b[0m"
        lines.append(f"{line}:{column}\t{before} → {after}\t{edit.rule}\t{edit.score:.2f}")
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    @app.command("repair")
    def repair_command(
        file: str = typer.Argument("-", help="A text file (UTF-8, cp1252 or latin-1), or - for standard input."),
        diff: bool = typer.Option(False, "--diff", help="Show the edits for a person (line:column, before → after, rule, score) instead of the text."),
        as_json: bool = typer.Option(False, "--json", help='Print {"text", "edits": [{start, end, before, after, rule, score}], "stats", "encoding"}; offsets point into the input text.'),
        lexicon: Optional[Path] = lexicon_option(),
        project: Optional[Path] = project_option(),
    ) -> None:
        """Repair OCR damage in Swedish text; the repaired text goes to stdout."""
        if diff and as_json:
            raise typer.BadParameter("--diff and --json exclude each other")
        from nbsclean.project import resolve_lexicon_dir

        lexicon_directory = resolve_lexicon_dir(project, lexicon)
        if not (as_json or diff):
            write_repaired_text(read_input_bytes(file), file, sys.stdout, lexicon_directory)
            return
        raw, text, edits, stats, encoding = repair_bytes(read_input_bytes(file), file, lexicon_directory)
        if as_json:
            payload = {"text": text, "edits": [e.to_dict() for e in edits], "stats": stats, "encoding": encoding}
            sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
        elif diff:
            output = format_diff(raw, edits, colour=sys.stdout.isatty())
            sys.stdout.write(output + ("\n" if output else ""))
            from nbsclean.commands.output import note

            note(f"nbsclean: {len(edits)} edits, {stats['words']} words, {stats['unknown_words']} unknown")
