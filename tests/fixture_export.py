"""A gift shop's order-lines export, as shop systems write it, with every trap a real one holds.

One table: invoice, product code, description, quantity, date, unit price, customer (British:
dd/mm/yyyy dates, pounds). Planted traps: no category column; cancelled invoices ("C" + number)
with negative quantities; a return on an ordinary invoice; postage ("POST") and manual adjustment
("M") lines; a free line (price 0); a price rise half-way (the latest price is the shop's price);
one misspelt description on a single line; guests without a customer id. Products and baskets
are invented here; baskets are drawn from planted patterns so co-purchase has a known answer.
"""
from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

HEADER = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]

PRODUCTS = {  # code: (description, price in pounds)
    "21001": ("WHITE CERAMIC TEACUP", 2.10), "21002": ("WHITE CERAMIC SAUCER", 1.25),
    "21003": ("ROSE PRINT TEAPOT", 12.50), "21004": ("FLORAL TEACUP AND SAUCER", 3.75),
    "22010": ("SCENTED PILLAR CANDLE VANILLA", 2.95), "22011": ("SCENTED PILLAR CANDLE LAVENDER", 2.95),
    "22012": ("GLASS HANGING LANTERN", 6.45), "22013": ("BOX OF LONG MATCHES", 0.85),
    "23020": ("BIRTHDAY CARD BALLOONS", 0.42), "23021": ("KRAFT WRAPPING PAPER ROLL", 1.65),
    "23022": ("RED SATIN RIBBON 5M", 1.45), "23023": ("GIFT TAG SET OF 12", 0.85),
    "24030": ("VELVET CUSHION COVER TEAL", 7.95), "24031": ("CUSHION INNER 45CM", 4.25),
    "24032": ("KNITTED THROW GREY", 16.95),
    "25040": ("CHILDRENS APRON SPACEBOY", 3.25), "25041": ("CHILDRENS COOKIE CUTTER SET", 2.55),
    "25042": ("BAKING CASES PACK OF 60", 0.55),
}
PATTERNS = [
    ["21001", "21002", "21003"], ["21004", "21003"], ["22010", "22012", "22013"], ["22011", "22012", "22013"],
    ["23020", "23021", "23022", "23023"], ["23021", "23022"], ["24030", "24031"], ["24030", "24031", "24032"],
    ["25040", "25041", "25042"], ["25041", "25042"],
]
PRICE_RISE = ("22012", 6.95)    # the lantern costs more in the second half
TYPO = ("21003", "ROSE PRINT TEAPOT ")   # trailing space: stripped, same title
MISSPELT = ("21001", "WHITE CERAMIC TEACUPP")   # on one line only: the common spelling wins


def export_lines(invoices: int = 300, seed: int = 11) -> list[dict[str, str]]:
    """The export's lines, in invoice order, each field as the shop's system writes it."""
    rng = random.Random(seed)
    start = dt.datetime(2025, 12, 1, 8, 26)
    lines: list[dict[str, str]] = []
    misspelt = False
    for n in range(invoices):
        when = start + dt.timedelta(hours=7 * n + rng.randint(0, 5), minutes=rng.randint(0, 59))
        invoice = str(536365 + n)
        customer = "" if n % 9 == 0 else str(17850 + n % 40)
        codes = list(rng.choice(PATTERNS)) + ([rng.choice(list(PRODUCTS))] if rng.random() < 0.3 else [])
        for code in dict.fromkeys(codes):
            title, price = PRODUCTS[code]
            if code == PRICE_RISE[0] and n >= invoices // 2:
                price = PRICE_RISE[1]
            if code == MISSPELT[0] and not misspelt and n > 10:
                title, misspelt = MISSPELT[1], True
            elif code == TYPO[0] and n % 5 == 0:
                title = TYPO[1]
            lines.append(_line(invoice, code, title, rng.randint(1, 12), when, price, customer))
        if n % 4 == 0:
            lines.append(_line(invoice, "POST", "POSTAGE", 1, when, 18.00, customer))
        if n % 37 == 5:   # a line item returned on a later ordinary invoice
            lines.append(_line(invoice, codes[0], PRODUCTS[codes[0]][0], -1, when, PRODUCTS[codes[0]][1], customer))
        if n % 50 == 7:
            lines.append(_line(invoice, "M", "Manual", 1, when, 2.50, customer))
        if n % 60 == 13:
            lines.append(_line(invoice, "25042", "BAKING CASES PACK OF 60", 5, when, 0.0, customer))
        if n % 25 == 3:   # the order cancelled: the shop writes a "C" invoice with the lines negated
            for code in dict.fromkeys(codes):
                lines.append(_line("C" + invoice, code, PRODUCTS[code][0], -2, when + dt.timedelta(hours=1),
                                   PRODUCTS[code][1], customer))
    return lines


def _line(invoice: str, code: str, title: str, quantity: int, when: dt.datetime, price: float,
          customer: str) -> dict[str, str]:
    return {"InvoiceNo": invoice, "StockCode": code, "Description": title, "Quantity": str(quantity),
            "InvoiceDate": when.strftime("%d/%m/%Y %H:%M"), "UnitPrice": f"{price:.2f}",
            "CustomerID": customer, "Country": "United Kingdom"}


def write_export_csv(path: Path, lines: list[dict[str, str]] | None = None) -> Path:
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(lines if lines is not None else export_lines())
    return path


def write_export_xlsx(path: Path, lines: list[dict[str, str]] | None = None) -> Path:
    """As a workbook: codes and quantities as numbers, dates as real dates (what a spreadsheet saves)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Orders")
    dates = book.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    sheet.write_row(0, 0, HEADER)
    for r, line in enumerate(lines if lines is not None else export_lines(), start=1):
        for c, name in enumerate(HEADER):
            value = line[name]
            if name == "InvoiceDate":
                sheet.write_datetime(r, c, dt.datetime.strptime(value, "%d/%m/%Y %H:%M"), dates)
            elif name in ("StockCode", "Quantity", "UnitPrice", "CustomerID") and _number(value):
                sheet.write_number(r, c, float(value))
            else:
                sheet.write_string(r, c, value)
    book.close()
    return path


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# The mapping a shop owner writes in cartwise.yml for this export.
COLUMNS = {"basket_id": "InvoiceNo", "product_id": "StockCode", "title": "Description", "quantity": "Quantity",
           "timestamp": "InvoiceDate", "price": "UnitPrice", "user_id": "CustomerID"}
NOT_PRODUCTS = "(POST|DOT|M|BANK CHARGES|AMAZONFEE)$"
CANCELLED = "C"
