"""Table exports of the student pages: competitions.exports' CSV and XLSX, with a readable file name.

competitions.exports.SpreadsheetExport owns what makes an export safe to open in Excel on a Chinese
Windows (CSV or XLSX only, a byte-order mark, formulas neutralised, numbers kept); this subclass
only puts a non-ASCII file name into the header as RFC 6266 says.
"""

import re

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from competitions.exports import SpreadsheetExport


class SafeTableExport(SpreadsheetExport):
    def response(self, filename=None):
        response = HttpResponse(content_type=self.content_type())
        if filename is not None:
            response["Content-Disposition"] = content_disposition_header(True, filename)
        response.write(self.export())
        return response


def export_filename(*parts: str, export_format: str) -> str:
    """A file name from readable parts (Chinese kept), with anything odd replaced by `_`."""
    stem = "-".join(re.sub(r"[^\w]+", "_", part).strip("_") for part in parts if part)
    return f"{stem or 'export'}.{export_format}"


def sheet_title(text: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of [ ] : * ? / \\."""
    return re.sub(r"[\[\]:*?/\\]", "_", text)[:31] or "Sheet"
