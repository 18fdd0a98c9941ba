#!/usr/bin/env bash
# Install the system programs nbsclean needs, only where missing (safe to run again):
#   Tesseract with its Swedish and English data (OCR) and its orientation data (osd), Chromium +
#   ChromeDriver (the review page's browser test), the fonts the fixture renderer uses, and
#   poppler-utils (pdftotext/pdfimages check the searchable PDFs of --format pdf in the tests).
#   With --bench also valgrind (the extraction benchmark counts Tesseract's instructions).
#   (hunspell's Swedish forms ship in lexicons/hunspell/; only tools/build_hunspell_forms.py,
#   which rebuilds them, needs hunspell-tools.)
# Uses apt-get (Debian/Ubuntu) as root, or through sudo; elsewhere it says what to install.
set -euo pipefail

missing=()
have_lang() { tesseract --list-langs 2>/dev/null | grep -qx "$1"; }

command -v tesseract >/dev/null 2>&1 || missing+=(tesseract-ocr)
have_lang swe || missing+=(tesseract-ocr-swe)
have_lang eng || missing+=(tesseract-ocr-eng)
have_lang osd || missing+=(tesseract-ocr-osd)  # orientation detection of sideways/upside-down scans
if [ "${NBSCLEAN_SKIP_BROWSER:-0}" != "1" ]; then
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
fi
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
[ -e /usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf ] || missing+=(fonts-liberation2)
if [ "${1:-}" = "--bench" ]; then
  command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "system dependencies: all present (tesseract $(tesseract --version 2>&1 | head -n1 | awk '{print $2}'), swe, eng, chromium, fonts)"
  exit 0
fi

echo "system dependencies missing: ${missing[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: apt-get is not available on this machine. Install these yourself:" >&2
  echo "  Tesseract OCR with Swedish and English data (e.g. 'brew install tesseract tesseract-lang')," >&2
  echo "  Chromium with ChromeDriver, DejaVu and Liberation fonts (and valgrind for make bench). Then run make again." >&2
  exit 3
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "error: installing ${missing[*]} needs root; run: apt-get install -y ${missing[*]}" >&2
    exit 3
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "system dependencies installed: ${missing[*]}"
