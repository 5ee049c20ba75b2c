"""What a person sees in a PDF the service makes: each page rasterised with pdftoppm (poppler-utils) and its
text extracted with pdftotext, then read for things no official paper may show."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from PIL import Image

# Python's representations, placeholders left unfilled, markup printed as text, ISO dates and times.
NEVER = ("Paragraph(", "object at 0x", "None", "<b>", "<br", "&amp;", "&lt;", "{", "}", "doc.", "recon.item")
ISO = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?")
# English words that showed in Indonesian papers, ledger account names and the English labels of old.
ENGLISH = (
    "Cards", "printing", "ledger", "expected", "partner_payable", "regency_revenue", "citizen_fees_collected",
    "pph23_payable", "Printed", "spoiled", "counter", "treasury", "received", "Citizen", "fees", "share",
    "Statement", "Reconciliation", "explained", "UTC", "Total", "Page", "Number", "Partner", "Office",
    "Gross", "Period", "Amount", "Reason", "Draft", "Translation",
)  # fmt: skip


def pages_text(data: bytes) -> list[str]:
    """The text of each page (pdftotext), whitespace collapsed."""
    assert data.startswith(b"%PDF-")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(data)
        whole = subprocess.run(
            ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout
    return [" ".join(page.split()) for page in whole.split("\f") if page.strip()]


def text_of(data: bytes) -> str:
    return " ".join(pages_text(data))


def rasterise(data: bytes, out_dir: Path | None = None, resolution: int = 50) -> list[Path]:
    """Every page as a PNG (pdftoppm); each must hold ink (not a blank page). Kept in ``out_dir`` if given."""
    keep = out_dir or Path(tempfile.mkdtemp())
    pdf = keep / "page.pdf"
    pdf.write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", str(resolution), str(pdf), str(keep / "page")], check=True)
    pngs = sorted(keep.glob("page-*.png"))
    assert pngs, "pdftoppm rendered no page"
    for png in pngs:
        with Image.open(png) as image:
            lo, hi = image.convert("L").getextrema()
        assert lo < 128 < hi, f"{png.name} is blank"
    return pngs


def assert_readable(data: bytes, *, english_allowed: bool = False) -> list[str]:
    """Rasterise every page and check its text: no representation, no ISO timestamp and (an Indonesian
    paper) none of :data:`ENGLISH`. Returns the pages' text."""
    rasterise(data)
    pages = pages_text(data)
    text = " ".join(pages)
    for bad in NEVER:
        assert bad not in text, f"{bad!r} printed in the PDF"
    assert not ISO.search(text), f"an ISO date or time in the PDF: {ISO.search(text)}"
    if not english_allowed:
        found = [w for w in ENGLISH if re.search(rf"\b{re.escape(w)}\b", text, re.IGNORECASE)]
        assert not found, f"English in an Indonesian paper: {found}"
    return pages
