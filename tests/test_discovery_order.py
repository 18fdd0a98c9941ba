"""The order in which `nbsclean run` takes the files of a folder: by the tuple of their
relative path's components (a folder's files together, where its name sorts), not by the
path as one string, and every file once."""

from __future__ import annotations

import os

from nbsclean.corpus.inputs import discover_inputs


def test_files_of_a_folder_come_in_the_order_of_their_path_components(tmp_path):
    archive = tmp_path / "archive"
    for relative in ["a.txt", "a-b.txt", "a/x.txt", "a/b/y.txt", "a b.txt", "b.txt", ".hidden.txt", "a/.h/z.txt"]:
        path = archive / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(relative, encoding="utf-8")
    found = discover_inputs([archive, archive / "b.txt"], exclude=tmp_path / "corpus")
    # "a" < "a b.txt" < "a-b.txt" < "a.txt" as components; as whole strings "a/..." would come last.
    assert [os.path.relpath(p, archive) for p in found] == ["a/b/y.txt", "a/x.txt", "a b.txt", "a-b.txt", "a.txt", "b.txt"]
    assert all(os.path.isabs(p) for p in found)
