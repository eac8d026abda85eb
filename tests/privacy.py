"""What a file must not hold for a user without the unmask privilege: any customer's name or
phone as the store has it. The scan reads every layer a person could open: CSV text, the XML
inside an XLSX, the text of a PDF, and each member of a zip (recursively)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable

import pypdfium2

from metrics.engine.store import Store


def customers(store: Store) -> tuple[set[str], set[str]]:
    """Customers' names that cannot be mistaken for other words of a file (no agent, team or
    inspector holds one as part of theirs), and phones as their digits."""
    with store.reader() as con:
        names = {r[0] for r in con.execute(
            "SELECT DISTINCT trim(customer_name) FROM tickets WHERE customer_name IS NOT NULL"
        ).fetchall() if r[0]}
        others = {str(r[0]) for r in con.execute(
            "SELECT agent FROM tickets UNION SELECT team FROM tickets"
            " UNION SELECT inspector FROM qa_inspections").fetchall() if r[0]}
        phones = {re.sub(r"\D", "", r[0]) for r in con.execute(
            "SELECT DISTINCT customer_phone FROM tickets WHERE customer_phone IS NOT NULL"
        ).fetchall() if r[0]}
    kept = {n for n in names if len(n) >= 2 and not any(n in o for o in others)}
    return kept, {p for p in phones if len(p) >= 7}


def texts(name: str, data: bytes) -> Iterable[str]:
    """Every text a file holds, by its kind (a zip's members each by theirs)."""
    lower = name.lower()
    if lower.endswith((".xlsx", ".zip")):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.namelist():
                yield from texts(member, archive.read(member))
        return
    if lower.endswith(".pdf"):
        document = pypdfium2.PdfDocument(data)
        yield "\n".join(page.get_textpage().get_text_range() for page in document)
        return
    if lower.endswith((".png", ".jpg")):
        return  # pixels: the charts hold aggregates (their titles are in the PDF's text)
    yield data.decode("utf-8", errors="replace")


def leaks(name: str, data: bytes, names: set[str], phones: set[str]) -> list[str]:
    """The customers' names and phones found in the file."""
    found: list[str] = []
    for text in texts(name, data):
        digits = re.sub(r"[\s\-]", "", text)
        found += [p for p in phones if p in digits]
        found += [n for n in names if n in text]
    return sorted(set(found))
