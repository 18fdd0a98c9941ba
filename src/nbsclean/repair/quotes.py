"""The opening quotation mark of a Swedish quote, which an English OCR model misreads (pure).

Swedish typography opens and closes a quote with the same mark: ”så här” (Språkrådet,
*Svenska skrivregler*), or with straight quotes "så här". Tesseract's English model expects
an English opening quote, so it reads the opening ” as a straight " or as “, and an opening
straight " as “, while it keeps the closing mark as printed. Aligned pages of Swedish prose
drawn and OCR'd (tools/make_dev_pairs.py, data/confusion-pairs) show exactly that: "bild”,
“lager”, “farlig" where the page had ”bild”, ”lager”, "farlig".

So in a document that model read, an opening mark is given the form of its closing partner
(rule ``quote_mark``, its own edit, revertable like any other), only where the pair is
unambiguous:

- the opening mark is " or “ at the start of a word (after a line start, a space or an
  opening bracket, and before a letter or digit);
- its partner is the next double quotation mark after it, within the same paragraph and
  QUOTE_MAX_CHARS characters, and it closes a word (after a letter, digit or punctuation,
  and not before a letter or digit);
- the partner is ”, or the opening mark is “ and the partner is ": Swedish never opens
  with “, and a straight closing mark means straight quotes.

A quote whose closing mark is missing, or a mark that cannot be paired, is left as it is.
"""

from __future__ import annotations

import re

from nbsclean.edits import Edit

QUOTE_MARK_SCORE = 0.9
QUOTE_MAX_CHARS = 400  # a quotation in running text; a longer span is no pair we can trust
_DOUBLE_QUOTE = re.compile('["“”]')
_OPENS_AFTER = " \t\n([{"


def _opens_word(text: str, at: int) -> bool:
    before = text[at - 1] if at else "\n"
    after = text[at + 1 : at + 2]
    return before in _OPENS_AFTER and after.isalnum()


def _closes_word(text: str, at: int) -> bool:
    before = text[at - 1] if at else " "
    after = text[at + 1 : at + 2]
    return not before.isspace() and not after.isalnum()


def quote_mark_edits(text: str) -> list[Edit]:
    """The closing partner's form for every misread opening quotation mark in ``text`` (see
    the module's docstring); the caller decides that the document was read by a model that
    misreads Swedish opening marks."""
    if '"' not in text and "“" not in text:
        return []
    marks = [m.start() for m in _DOUBLE_QUOTE.finditer(text)]
    edits: list[Edit] = []
    index = 0
    while index < len(marks) - 1:
        position, partner = marks[index], marks[index + 1]
        mark = text[position]
        if mark == "”" or not _opens_word(text, position):
            index += 1
            continue
        if partner - position > QUOTE_MAX_CHARS or text.find("\n\n", position, partner) != -1 or not _closes_word(text, partner):
            index += 1
            continue
        closing = text[partner]
        if closing == "”" or (mark == "“" and closing == '"'):
            edits.append(Edit(position, position + 1, mark, closing, "quote_mark", QUOTE_MARK_SCORE))
        index += 2  # the pair is done: its closing mark opens nothing
    return edits


__all__ = ["quote_mark_edits"]
