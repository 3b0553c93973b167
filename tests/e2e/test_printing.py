"""A student's page printed from Chromium: the college's name and the date at the top, and
"page / pages" at the bottom of every page (site.css's @page margin box, Chromium 131+)."""

import importlib.util
import re
import shutil
import subprocess

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.e2e.test_browsing import log_in, results  # noqa: F401 (the fixture)
from tests.factories import home_organization, make_competition, make_entry, make_event

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Turns the page-number margin box off through the CSSOM (the site's Content-Security-Policy
# refuses an added <style>); returns how many margin rules it changed.
NUMBERS_OFF = """() => {
  let changed = 0;
  for (const sheet of document.styleSheets) {
    for (const rule of sheet.cssRules) {
      if (!(rule instanceof CSSPageRule)) continue;
      for (const inner of rule.cssRules || []) {
        if (inner.name === "bottom-center") { inner.style.setProperty("content", "none"); changed++; }
      }
    }
  }
  return changed;
}"""


def pdf_text(pdf: bytes, tmp_path) -> str | None:
    """The text of a PDF, by pdftotext (poppler-utils) or pypdf when one is installed; else None."""
    if shutil.which("pdftotext"):
        path = tmp_path / "page.pdf"
        path.write_bytes(pdf)
        return subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
    if importlib.util.find_spec("pypdf"):
        import io

        import pypdf

        return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    return None


def page_count(pdf: bytes) -> int:
    # Chromium (Skia) writes its page objects uncompressed.
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def without_dates(pdf: bytes) -> bytes:
    return re.sub(rb"/(CreationDate|ModDate)\s*\(.*?\)", b"", pdf)


@pytest.fixture
def long_history(results):  # noqa: F811 (the fixture imported above)
    """Enough results for a history of several printed pages."""
    student = results["student"]
    for year in range(2000, 2040):
        competition = make_competition(f"第{year}届校技能节", year=year, level="school")
        make_entry(make_event(competition, name="移动机器人"), members=[student], award="铜牌")
    return results


def test_the_printed_page_carries_the_college_and_the_date(page: Page, live_server, teacher, results):  # noqa: F811
    log_in(page, live_server.url, teacher.username)
    page.goto(live_server.url + results["student"].get_absolute_url())
    header = page.locator(".print-header")
    expect(header).to_be_hidden()  # on screen, the navigation says where one is
    page.emulate_media(media="print")
    expect(header).to_be_visible()
    expect(header).to_contain_text(home_organization().name)
    expect(header).to_contain_text(timezone.localdate().strftime("%Y-%m-%d"))
    expect(header).to_contain_text("郑泽鑫")


def test_the_printed_pages_are_numbered(page: Page, live_server, teacher, long_history, tmp_path):
    log_in(page, live_server.url, teacher.username)
    page.goto(live_server.url + long_history["student"].get_absolute_url())
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    pages = page_count(pdf)
    assert pdf.startswith(b"%PDF") and pages >= 2
    # The margin box is drawn: the same page without the counter gives another PDF.
    assert page.evaluate(NUMBERS_OFF) == 1
    assert without_dates(page.pdf(format="A4", prefer_css_page_size=True)) != without_dates(pdf)
    text = pdf_text(pdf, tmp_path)
    if text is None:
        pytest.skip(
            "neither pdftotext (poppler-utils) nor pypdf is installed: the page numbers' text is not "
            "read back (the PDF's page count and the margin box's drawing were checked)"
        )
    for number in range(1, pages + 1):
        assert f"{number} / {pages}" in text
