"""`nbsclean lexicon show | add | learn | accept`: the archive's domain lexicon.

The domain words live in ``LEXICON/domain/<category>.txt``; these commands are the
convenient way to read and extend them. The writing commands (add, learn, accept) write into
the lexicon the command uses (:func:`nbsclean.project.resolve_lexicon_dir`): in an archive
project that is the project's own lexicon, never the installed package; each says where it
wrote. The lexicon's fingerprint covers those files, so the next ``run``/``repair`` picks up
a change by itself.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer

from nbsclean.corpus.lock import lexicon_lock
from nbsclean.commands.options import lexicon_option, project_option
from nbsclean.errors import BadArgumentsError

lexicon_app = typer.Typer(
    name="lexicon",
    help="Show and extend the domain lexicon (places, organisations, names, terms).",
    no_args_is_help=True,
)


def hunspell_source(layers) -> dict:
    """Where the lexicon's hunspell forms come from, for `lexicon show`."""
    from nbsclean.repair.lexicon import hunspell_forms_file

    path = hunspell_forms_file(tuple(layers))
    if path is None:
        return {"path": "hunspell:none"}
    source = path.parent / "SOURCE.json"
    record = json.loads(source.read_text(encoding="utf-8")) if source.exists() else {}
    return {"path": str(path), **{k: record[k] for k in ("source", "licence", "forms", "forms_sha256") if k in record}}


def _note(message: str) -> None:
    from nbsclean.commands.output import note

    note(f"nbsclean: lexicon: {message}")


def _target_lexicon(project: Optional[Path], lexicon: Optional[Path]) -> Path:
    """The lexicon directory a writing command writes into (the one every command reads)."""
    from nbsclean.project import resolve_lexicon_dir
    from nbsclean.repair.lexicon import check_lexicon_dir

    directory = resolve_lexicon_dir(project, lexicon)
    check_lexicon_dir(directory)
    return directory


def table_layer(path: Path, name: str) -> Path:
    """The lexicon folder a table (``name`` relative to it, e.g. ``ngrams/sv.ngrams``) is in."""
    return path.parents[len(Path(name).parts) - 1]


@lexicon_app.command("show")
def show_command(
    category: Optional[str] = typer.Option(None, "--category", "-c", help="Only this category's words, one per line."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    lexicon_directory: Optional[Path] = lexicon_option(),
    project: Optional[Path] = project_option(),
) -> None:
    """List the domain words and the lexicon's sources, hash and size."""
    from nbsclean.project import resolve_lexicon_dir
    from nbsclean.review.learn import domain_words, validate_category
    from nbsclean.repair.lexicon import TABLE_FILES, load_lexicon

    directory = resolve_lexicon_dir(project, lexicon_directory)
    lexicon = load_lexicon(directory)
    per_layer = [(layer, domain_words(layer)) for layer in lexicon.layers]
    words: dict[str, list[str]] = {}
    for _, layer_words in per_layer:  # base first, as the lexicon merges them
        for name, forms in layer_words.items():
            words[name] = list(dict.fromkeys(words.get(name, []) + forms))
    if category is not None:
        validate_category(category)
        words = {category: words.get(category, [])}
    tables = [lexicon.table_path(name) for name in TABLE_FILES]
    info = {
        "directory": str(directory),
        "layers": [str(layer) for layer in lexicon.layers],
        "sha256": lexicon.sha256,
        "forms": len(lexicon),
        "sources": [
            {"path": f"domain/{name}.txt", "category": name, "words": len(forms), "layer": str(layer)}
            for layer, layer_words in per_layer
            for name, forms in layer_words.items()
        ]
        + [{"path": name, "layer": str(table_layer(p, name))} for name, p in zip(TABLE_FILES, tables) if p.exists()]
        + [{"path": "wordfreq:sv"}, hunspell_source(lexicon.layers)],
        "domain_words": words,
    }
    if as_json:
        typer.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    if category is not None:
        for word in words[category]:
            typer.echo(word)
        return
    typer.echo(f"lexicon {directory}")
    for layer in lexicon.layers[:-1]:
        typer.echo(f"over    {layer}")
    typer.echo(f"sha256  {lexicon.sha256}")
    typer.echo(f"forms   {len(lexicon)} (wordfreq sv + domain words)")
    for name, forms in words.items():
        typer.echo(f"\n## {name} ({len(forms)}, domain/{name}.txt)")
        for word in forms:
            typer.echo(word)


@lexicon_app.command("add")
def add_command(
    words: List[str] = typer.Argument(..., help="Word forms as normally written (Sörmland, NPF, barnhälsoteam)."),
    category: str = typer.Option("terms", "--category", "-c", help="places, organisations, names or terms."),
    wait: bool = typer.Option(False, "--wait", help="If another nbsclean is writing the lexicon, wait for it instead of failing."),
    lexicon_directory: Optional[Path] = lexicon_option(),
    project: Optional[Path] = project_option(),
) -> None:
    """Add words to the lexicon's domain/CATEGORY.txt (the project's lexicon in a project; sorted, de-duplicated, written atomically)."""
    from nbsclean.review.learn import add_words, domain_file, validate_category, validate_word

    validate_category(category)
    forms = [validate_word(w) for w in words]  # refuse the whole call before writing anything
    directory = _target_lexicon(project, lexicon_directory)
    with lexicon_lock(directory, wait=wait):
        added = add_words(directory, category, forms)
    skipped = [w for w in forms if w not in added]
    _note(f"added {len(added)} to {domain_file(directory, category)}" + (f": {', '.join(added)}" if added else ""))
    if skipped:
        _note(f"already there: {', '.join(dict.fromkeys(skipped))}")


@lexicon_app.command("learn")
def learn_command(
    paths: List[Path] = typer.Argument(..., help="Corpus folders (documents.jsonl) and/or text files or folders."),
    output: Optional[str] = typer.Option(
        None, "--output", "-o", help="Candidates TSV to write ('-' for stdout; default: the lexicon's candidates.tsv)."
    ),
    min_count: int = typer.Option(2, "--min-count", help="Propose only words seen at least this often."),
    min_conf: float = typer.Option(85.0, "--min-conf", help="Trust OCR pages only with at least this confidence (0-100)."),
    max_damage: float = typer.Option(
        0.05, "--max-damage", help="Trust pages whose raw text has at most this share of damaged-looking words."
    ),
    wait: bool = typer.Option(False, "--wait", help="If another nbsclean is writing the lexicon, wait for it instead of failing."),
    lexicon_directory: Optional[Path] = lexicon_option(),
    project: Optional[Path] = project_option(),
) -> None:
    """Propose domain words: frequent unknown, undamaged, consistently written words of trustworthy text, ranked, with a suggested category and an example context."""
    from nbsclean.review.learn import candidates_tsv, learn, write_candidates
    from nbsclean.repair.lexicon import load_lexicon

    if min_count < 1:
        raise BadArgumentsError("must be at least 1", source="--min-count")
    directory = _target_lexicon(project, lexicon_directory)
    candidates = learn(
        paths, min_count=min_count, min_conf=min_conf, max_damage=max_damage, lexicon=load_lexicon(directory)
    )
    if output == "-":
        sys.stdout.write(candidates_tsv(candidates))
        return
    if output:
        target = Path(output)
        write_candidates(target, candidates)
    else:  # the lexicon's own candidates file: another writer (accept) may be changing it
        target = directory / "candidates.tsv"
        with lexicon_lock(directory, wait=wait):
            write_candidates(target, candidates)
    _note(f"{len(candidates)} candidates written to {target}; edit it, then: nbsclean lexicon accept {target} --all")
    typer.echo(str(target))


@lexicon_app.command("accept")
def accept_command(
    args: Optional[List[str]] = typer.Argument(
        None, help="[CANDIDATES] [WORD...]: the candidates file (default: the lexicon's candidates.tsv), then words to accept."
    ),
    accept_all: bool = typer.Option(False, "--all", help="Accept every row left in the candidates file."),
    wait: bool = typer.Option(False, "--wait", help="If another nbsclean is writing the lexicon, wait for it instead of failing."),
    lexicon_directory: Optional[Path] = lexicon_option(),
    project: Optional[Path] = project_option(),
) -> None:
    """Move candidates into the lexicon's domain/<category>.txt (the project's lexicon in a project) and remove them from the candidates file."""
    from nbsclean.review.learn import accept_candidates, domain_file

    args = list(args or [])
    directory = _target_lexicon(project, lexicon_directory)
    candidates = directory / "candidates.tsv"
    if args and (args[0].endswith(".tsv") or Path(args[0]).is_file()):
        candidates = Path(args.pop(0))
    if accept_all == bool(args):
        raise BadArgumentsError("name the words to accept, or give --all (not both)")
    with lexicon_lock(directory, wait=wait):  # the candidates file and domain/ change together
        added = accept_candidates(directory, candidates, None if accept_all else args)
    total = sum(len(forms) for forms in added.values())
    for category, forms in sorted(added.items()):
        if forms:
            _note(f"{domain_file(directory, category)}: +{len(forms)} ({', '.join(forms)})")
    typer.echo(f"accepted {total} words")


def register(app: typer.Typer) -> None:
    app.add_typer(lexicon_app, name="lexicon")
