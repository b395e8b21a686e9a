"""PDF articles: Arabic text with its words intact, in both glyph orders.

The PDFs are made here with reportlab and the DejaVu Sans font (Debian
package fonts-dejavu-core), which has Arabic glyphs.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from storage.errors import ImportFormatError
from storage.importers import detect_format, get_parser
from storage.importers.pdf import fix_reversed_lines, line_reversal_score, parse_pdf
from storage.records import PartialDate

FONT_CANDIDATES = [
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
]
FONT = next((p for p in FONT_CANDIDATES if p.exists()), None)
pytestmark = pytest.mark.skipif(
    FONT is None, reason="needs DejaVuSans.ttf (Debian package fonts-dejavu-core) for Arabic glyphs"
)

TITLE = "جبهة النصرة تسيطر على حقول النفط في دير الزور"
BYLINE = "١٢ فبراير ٢٠١٤ | كتبه نون بوست"
SENTENCES = [
    "سيطرت جبهة النصرة على حقول النفط في ريف دير الزور الشرقي بعد معارك عنيفة مع تنظيم الدولة.",
    "وقال مصدر في الجبهة إن مقاتلي التنظيم انسحبوا من المنطقة تحت ضغط الهجمات.",
    "في المقابل قال أنصار التنظيم إنه انسحب حقنا للدماء ولم يهزم في أي معركة.",
    "وتعد حقول النفط من أهم مصادر التمويل للفصائل المسلحة في شرق سوريا.",
]
LINES = [TITLE, "", BYLINE, "", *SENTENCES]

_KEEP_LTR = re.compile(r"[0-9\u0660-\u0669]+|[A-Za-z]+(?: [A-Za-z]+)*")


def visual_order(line: str) -> str:
    """What a bidi-aware PDF writer stores for a right-to-left line: the
    characters right to left, numbers and Latin words still left to right."""
    return _KEEP_LTR.sub(lambda m: m.group(0)[::-1], line[::-1])


def make_pdf(lines: list[str], *, visual: bool) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("DejaVuSans", str(FONT)))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.setTitle("Noon Post article")
    pdf.setFont("DejaVuSans", 12)
    y = 800
    for line in lines:
        if line:
            pdf.drawRightString(560, y, visual_order(line) if visual else line)
        y -= 18
    pdf.save()
    return buffer.getvalue()


@pytest.mark.parametrize("visual", [True, False], ids=["visual-order", "logical-order"])
def test_arabic_pdf_imports_with_its_words_intact(visual):
    source = parse_pdf(make_pdf(LINES, visual=visual))
    texts = [p.text for p in source.passages]
    for sentence in SENTENCES:
        assert sentence in texts
    assert source.title == TITLE
    assert source.date == PartialDate(2014, 2, 12)  # Arabic-Indic digits read the right way round
    assert source.lang == "ar"
    assert source.id == ""


def test_reversed_lines_are_detected_and_turned():
    backwards = "\n".join(line[::-1] for line in SENTENCES)
    assert all(line_reversal_score(line) > 0 for line in backwards.splitlines())
    assert all(line_reversal_score(line) < 0 for line in SENTENCES)
    fixed, turned = fix_reversed_lines(backwards)
    assert fixed.splitlines() == SENTENCES and turned == len(SENTENCES)


def test_presentation_forms_are_folded_to_letters():
    # "في النفط" as final/isolated glyph codes, the way some PDFs store Arabic
    shaped = "\ufed3\ufef2 \ufe8e\ufedf\ufee8\ufed4\ufec2"
    fixed, turned = fix_reversed_lines(shaped)
    assert fixed == "في النفط" and turned == 0
    fixed, turned = fix_reversed_lines(shaped[::-1])
    assert fixed == "في النفط" and turned == 1


def test_latin_words_keep_their_order_in_a_turned_line():
    line = "قال المتحدث باسم Islamic State إن التنظيم انسحب عام ٢٠١٤"
    fixed, _ = fix_reversed_lines(visual_order(line))
    assert fixed == line


def test_a_pdf_without_a_text_layer_needs_ocr():
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.rect(50, 50, 400, 600, fill=1)  # a "scan": shapes, no text
    pdf.save()
    with pytest.raises(ImportFormatError, match="needs OCR"):
        parse_pdf(buffer.getvalue(), name="scan.pdf")


def test_not_a_pdf_is_a_clear_error():
    with pytest.raises(ImportFormatError, match="not a readable PDF"):
        parse_pdf(b"%PDF-1.4 this is not really a pdf", name="broken.pdf")


def test_pdf_files_go_through_the_import_registry(tmp_path):
    path = tmp_path / "article.pdf"
    path.write_bytes(make_pdf(LINES, visual=True))
    fmt = detect_format(path, path.read_bytes()[:512])
    assert fmt == "pdf"
    (source,) = get_parser(fmt)(path.read_bytes(), str(path)).sources
    assert SENTENCES[1] in [p.text for p in source.passages]
