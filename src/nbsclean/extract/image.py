"""Page images: PNG, JPEG and TIFF (every frame a page), each frame OCR'd."""

from __future__ import annotations

import io

from PIL import Image, ImageSequence, UnidentifiedImageError

from nbsclean.errors import InputRejectedError, TooLargeError, UnreadableImageError
from nbsclean.extract import ocr as ocr_engine
from nbsclean.extract.model import ExtractOptions, Page



def extract_image_pages(data: bytes, source: str, options: ExtractOptions, lexicon=None) -> list[Page]:
    """Every frame of an image file, OCR'd (``lexicon`` serves the quality verdict)."""
    if options.ocr == "never":
        raise InputRejectedError(
            "is an image: its text can only be read with OCR, but --ocr never was given", source=source
        )
    frames = _image_frames(data, source)
    ocr_engine.check_tesseract(options.lang)
    pages = []
    for number, (frame, frame_dpi) in enumerate(frames, start=1):
        dpi = frame_dpi or options.dpi
        reading = ocr_engine.ocr_page_or_reject(frame, source, options, dpi=dpi, page=number, lexicon=lexicon)
        pages.append(
            Page(
                n=number,
                method="ocr",
                reason="image file" + (f" (frame {number} of {len(frames)})" if len(frames) > 1 else ""),
                ocr_lang=options.lang,
                **reading.page_fields(frame, dpi),
            )
        )
    return pages


def _image_frames(data: bytes, source: str) -> list[tuple[Image.Image, int | None]]:
    """Decode every frame fully now, so a broken image fails here with a clear error."""
    try:
        image = Image.open(io.BytesIO(data))
        frames = []
        for frame in ImageSequence.Iterator(image):
            frame.load()
            frames.append((frame.copy(), _image_dpi(frame)))
    except Image.DecompressionBombError as exc:
        # Pillow refuses to decode more than twice Image.MAX_IMAGE_PIXELS (179 megapixels):
        # a 30 000 × 30 000 page would take 900 MB grey, 2.7 GB in colour, before any OCR.
        raise UnreadableImageError(f"the image is too large to decode safely ({exc})", source=source) from exc
    except MemoryError as exc:
        raise TooLargeError("there is not enough memory to decode the image", source=source) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UnreadableImageError(f"the image cannot be decoded ({exc})", source=source) from exc
    if not frames:
        raise UnreadableImageError("the image has no frames", source=source)
    return frames


def _image_dpi(image: Image.Image) -> int | None:
    """The resolution stored in the image, when it is plausible for a scan."""
    dpi = image.info.get("dpi")
    try:
        value = int(round(float(dpi[0])))
    except (TypeError, ValueError, IndexError):
        return None
    return value if 70 <= value <= 2400 else None
