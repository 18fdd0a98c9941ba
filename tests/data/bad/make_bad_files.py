"""Make the bad input files next to this script (run once; the files are committed).

    python tests/data/bad/make_bad_files.py

Each file is a kind of input the archive really contains and extraction must reject
with a named error (see tests/test_bad_inputs.py):

  encrypted.pdf          a text PDF encrypted with user password "hemlig" (pikepdf, AES-256)
  truncated.pdf          a valid three-page PDF cut off after 70 % of its bytes
  corrupt.pdf            a PDF header followed by garbage
  empty.pdf / empty.txt  0 bytes
  blank.txt              only whitespace
  random.txt             2 KiB of (seeded) random bytes named .txt
  broken-body.png        a PNG whose header is fine but whose image data is garbage
  truncated.jpg          a JPEG cut off in the middle of its scan data
  utf16.txt              Swedish text in UTF-16 with a byte-order mark (valid input)
  png-named.pdf          a real PNG with a .pdf name (type comes from content: valid input)
"""

from __future__ import annotations

import io
import random
import sys
from pathlib import Path

import pikepdf
from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # tests/, for the shared PDF builder

from pdf_builder import text_pdf_bytes  # noqa: E402

SWEDISH = "Sörmlands läns kommuner och Region Sörmland arbetar för barnens bästa."
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def one_line_pdf_bytes(text: str, pages: int = 1) -> bytes:
    return text_pdf_bytes([[(72, 82, 12, text)]] * pages)


def encrypted_pdf_bytes(text: str, password: str) -> bytes:
    pdf = pikepdf.open(io.BytesIO(one_line_pdf_bytes(text)))
    buffer = io.BytesIO()
    pdf.save(buffer, encryption=pikepdf.Encryption(user=password, owner=password + "-owner", R=6))
    return buffer.getvalue()


def text_image(text: str) -> Image.Image:
    image = Image.new("L", (1400, 120), 255)
    ImageDraw.Draw(image).text((20, 30), text, font=ImageFont.truetype(FONT, 36), fill=0)
    return image


def png_with_broken_body() -> bytes:
    buffer = io.BytesIO()
    text_image(SWEDISH).save(buffer, format="PNG")
    data = bytearray(buffer.getvalue())
    # Overwrite the compressed IDAT payload (not the chunk header) with bytes that are not zlib.
    idat = data.index(b"IDAT") + 4
    garbage = random.Random(7).randbytes(min(400, len(data) - idat - 20))
    data[idat : idat + len(garbage)] = garbage
    return bytes(data)


def truncated_jpeg() -> bytes:
    buffer = io.BytesIO()
    text_image(SWEDISH).save(buffer, format="JPEG", quality=90)
    data = buffer.getvalue()
    return data[: len(data) // 2]


def make_all() -> dict[str, bytes]:
    valid_pdf = one_line_pdf_bytes(SWEDISH, pages=3)
    png = io.BytesIO()
    text_image(SWEDISH).save(png, format="PNG", dpi=(300, 300))
    return {
        "encrypted.pdf": encrypted_pdf_bytes(SWEDISH, "hemlig"),
        "truncated.pdf": valid_pdf[: int(len(valid_pdf) * 0.7)],
        "corrupt.pdf": b"%PDF-1.7\n" + random.Random(11).randbytes(1500),
        "empty.pdf": b"",
        "empty.txt": b"",
        "blank.txt": b" \n\n\t \n",
        "random.txt": random.Random(5).randbytes(2048),
        "broken-body.png": png_with_broken_body(),
        "truncated.jpg": truncated_jpeg(),
        "utf16.txt": (SWEDISH + "\n").encode("utf-16"),
        "png-named.pdf": png.getvalue(),
    }


def main() -> None:
    for name, data in make_all().items():
        (HERE / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
