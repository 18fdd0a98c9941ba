"""ALTO v4 XML: one file per page, the repaired words in their places.

``TextBlock`` / ``TextLine`` / ``String`` follow the page's blocks and lines as extraction
found them; a ``String``'s ``CONTENT`` is the repaired word, ``WC`` the OCR confidence
(0-1), and where the repair changed the word, the word as OCR or the text layer had it is
kept as an ``ALTERNATIVE`` - provenance in the standard's own terms. A word joined across
a line break is two ``String`` elements (``SUBS_TYPE`` HypPart1/HypPart2, ``SUBS_CONTENT``
the whole word) with a ``HYP`` at the end of the first line, as ALTO writes hyphenation.

Measurements are in ``inch1200`` (1/1200 inch, one of ALTO's three units), the page's own
coordinates: PDF points × 1200 / 72, origin at the top left of the page.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from nbsclean.corpus.outputs.geometry import PlacedWord, WordPart

ALTO_NAMESPACE = "http://www.loc.gov/standards/alto/ns-v4#"
ALTO_SCHEMA_LOCATION = "http://www.loc.gov/standards/alto/v4/alto-4-4.xsd"
MEASUREMENT_UNIT = "inch1200"
UNITS_PER_POINT = 1200 / 72


def alto_page(
    page: dict, placed: list[PlacedWord], *, page_number: int, source_name: str, software_version: str
) -> str:
    """The ALTO document of one page, as text."""
    width, height = _units(page.get("width") or 0), _units(page.get("height") or 0)
    blocks = _blocks(placed)
    body = []
    for block_index, lines in enumerate(blocks):
        body.append(_text_block(page_number, block_index, lines))
    return "".join([
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<alto xmlns="{ALTO_NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ',
        f'xsi:schemaLocation="{ALTO_NAMESPACE} {ALTO_SCHEMA_LOCATION}">\n',
        "  <Description>\n",
        f"    <MeasurementUnit>{MEASUREMENT_UNIT}</MeasurementUnit>\n",
        "    <sourceImageInformation>\n",
        f"      <fileName>{_text(source_name)}</fileName>\n",
        "    </sourceImageInformation>\n",
        '    <Processing ID="nbsclean">\n',
        f"      <processingStepDescription>{_text(_processing_description(page))}</processingStepDescription>\n",
        "      <processingSoftware>\n",
        "        <softwareName>nbsclean</softwareName>\n",
        f"        <softwareVersion>{_text(software_version)}</softwareVersion>\n",
        "      </processingSoftware>\n",
        "    </Processing>\n",
        "  </Description>\n",
        "  <Layout>\n",
        f'    <Page ID="p{page_number}" PHYSICAL_IMG_NR="{page_number}" WIDTH="{width}" HEIGHT="{height}">\n',
        f'      <PrintSpace HPOS="0" VPOS="0" WIDTH="{width}" HEIGHT="{height}">\n',
        *body,
        "      </PrintSpace>\n",
        "    </Page>\n",
        "  </Layout>\n",
        "</alto>\n",
    ])


def _processing_description(page: dict) -> str:
    how = {"text_layer": "the PDF's text layer", "ocr": "Tesseract OCR", "ocr_replaced_layer": "Tesseract OCR"}
    source = how.get(page.get("method"), str(page.get("method")))
    if page.get("ocr_lang"):
        source += f" ({page['ocr_lang']})"
    return f"words read from {source}, repaired by nbsclean; ALTERNATIVE holds the word as read"


def _blocks(placed: list[PlacedWord]) -> list[list[list[tuple[PlacedWord, int, WordPart]]]]:
    """Word parts grouped into blocks of lines, in reading order."""
    blocks: dict[int, dict[int, list]] = {}
    for word in placed:
        for index, part in enumerate(word.parts):
            blocks.setdefault(part.block, {}).setdefault(part.line, []).append((word, index, part))
    return [list(lines.values()) for lines in blocks.values()]


def _text_block(page_number: int, block_index: int, lines) -> str:
    parts = [part for line in lines for _, _, part in line]
    out = [f'        <TextBlock ID="p{page_number}_b{block_index}" {_box(parts)}>\n']
    for line in lines:
        line_parts = [part for _, _, part in line]
        line_id = f"p{page_number}_l{line_parts[0].line}"
        out.append(f'          <TextLine ID="{line_id}" {_box(line_parts)}>\n')
        for position, (word, index, part) in enumerate(line):
            if position:
                out.append("            <SP/>\n")
            out.append(_string(page_number, word, index, part))
        last_word, last_index, _ = line[-1]
        if last_index < len(last_word.parts) - 1:  # the word goes on on the next line
            out.append('            <HYP CONTENT="-"/>\n')
        out.append("          </TextLine>\n")
    out.append("        </TextBlock>\n")
    return "".join(out)


def _string(page_number: int, word: PlacedWord, index: int, part: WordPart) -> str:
    content = word.text[part.start - word.start : part.end - word.start]
    attributes = [f'ID="p{page_number}_w{word.start}_{index}"', f"CONTENT={quoteattr(content)}", _box([part])]
    if word.conf is not None:
        attributes.append(f'WC="{max(0.0, min(1.0, word.conf / 100)):.2f}"')
    if len(word.parts) > 1:
        attributes.append(f'SUBS_TYPE="HypPart{1 if index == 0 else 2}"')
        attributes.append(f"SUBS_CONTENT={quoteattr(word.text)}")
    opening = "            <String " + " ".join(attributes)
    if not word.changed:
        return opening + "/>\n"
    original = " ".join(word.original.split())
    return f"{opening}>\n              <ALTERNATIVE>{_text(original)}</ALTERNATIVE>\n            </String>\n"


def _box(parts: list[WordPart]) -> str:
    x0, y0 = min(p.x0 for p in parts), min(p.y0 for p in parts)
    x1, y1 = max(p.x1 for p in parts), max(p.y1 for p in parts)
    return f'HPOS="{_units(x0)}" VPOS="{_units(y0)}" WIDTH="{_units(x1 - x0)}" HEIGHT="{_units(y1 - y0)}"'


def _units(points: float) -> int:
    return max(0, round(points * UNITS_PER_POINT))


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
