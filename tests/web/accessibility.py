"""Static accessibility checks of a page's HTML (WCAG 2.1 basics a crawler can see): one h1, a
label for every form control, a caption for every data table and a scope on its column heads,
alternative text on images and charts, a name for every button and link."""

from __future__ import annotations

from html.parser import HTMLParser

CONTROLS = {"input", "select", "textarea"}
UNLABELLED_INPUTS = {"hidden", "submit", "button", "reset", "image"}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.h1 = 0
        self.label_for: set[str] = set()
        self.controls: list[tuple[str, dict[str, str | None]]] = []
        self.problems: list[str] = []
        self.tables = 0
        self.captions = 0
        self.open: list[tuple[str, dict[str, str | None], list[str]]] = []  # buttons, links
        self.in_label = 0  # a control inside a <label> is labelled by it

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "h1":
            self.h1 += 1
        elif tag == "label":
            self.in_label += 1
            if a.get("for"):
                self.label_for.add(str(a["for"]))
        elif tag in CONTROLS and a.get("type") not in UNLABELLED_INPUTS and not self.in_label:
            self.controls.append((tag, a))
        elif tag == "table":
            self.tables += 1
            self.captions += bool(a.get("aria-labelledby") or a.get("aria-label"))
        elif tag == "caption":
            self.captions += 1
        elif tag == "th" and a.get("scope") not in {"col", "row", "colgroup", "rowgroup"}:
            self.problems.append("a table head without scope")
        elif tag == "img" and a.get("alt") is None:
            self.problems.append(f"an image without alt: {a.get('src')}")
        elif tag == "svg" and not (a.get("aria-hidden") == "true" or a.get("aria-label")
                                   or a.get("aria-labelledby")):  # fmt: skip
            self.problems.append("an svg without a name (aria-label or aria-labelledby)")
        if tag in {"button", "a"}:
            self.open.append((tag, a, []))

    def handle_data(self, data: str) -> None:
        for _, _, text in self.open:
            text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.in_label = max(0, self.in_label - 1)
        if tag in {"button", "a"} and self.open and self.open[-1][0] == tag:
            _, a, text = self.open.pop()
            if not "".join(text).strip() and not a.get("aria-label"):
                self.problems.append(f"a {tag} without a name: {a.get('href') or a}")


def problems(html: str) -> list[str]:
    page = _Page()
    page.feed(html)
    found = list(page.problems)
    if page.h1 != 1:
        found.append(f"{page.h1} h1 headings")
    for tag, a in page.controls:
        named = a.get("aria-label") or a.get("aria-labelledby") or a.get("title")
        if not named and (a.get("id") is None or a.get("id") not in page.label_for):
            found.append(f"a {tag} without a label: {a.get('name')}")
    if page.captions < page.tables:
        found.append("a table without a caption")
    return found
