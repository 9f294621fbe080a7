"""What a browser sends from a page: read from the page's HTML, so the benchmark follows the templates as they are.

Two ways to press a button: without JavaScript (the form's action and method, its fields, the button's
formaction), and with htmx 2 (hx-post and friends, the submitter's formaction, hx-target and hx-headers
inherited from ancestors, and the HX-* headers htmx adds). Also the element htmx polls (`hx-trigger="every
…"`). Only what the pages use is modelled: hx-vals, hx-include and hx-params are not.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
HTMX_VERBS = ("get", "post", "put", "patch", "delete")
ORIGIN = "{origin}"  # replaced by the server's origin when a request is sent


@dataclass(eq=False)
class Node:
    tag: str
    attrs: dict[str, str]
    parent: Node | None
    children: list[Node] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        return self.attrs.get(name)

    def ancestors(self) -> Iterator[Node]:
        node = self
        while node is not None:
            yield node
            node = node.parent

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()

    def matches(self, selector: str) -> bool:
        if selector.startswith("#"):
            return self.get("id") == selector[1:]
        if selector.startswith("."):
            return selector[1:] in (self.get("class") or "").split()
        return self.tag == selector


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {name: value or "" for name, value in attrs}, self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {name: value or "" for name, value in attrs}, self.stack[-1]))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return


@dataclass
class Request:
    """One request as a browser sends it; ORIGIN in a header stands for the server's origin."""

    method: str
    path: str
    headers: dict[str, str]
    body: str = ""
    expect: int = 200  # the status the rehearsal saw
    follow: bool = False  # a redirect the browser follows with a GET

    def headers_for(self, origin: str) -> dict[str, str]:
        return {name: value.replace(ORIGIN, origin) for name, value in self.headers.items()}


class Page:
    def __init__(self, html: str, path: str) -> None:
        builder = _Builder()
        builder.feed(html)
        self.root, self.path = builder.root, path
        self.ids = {node.get("id"): node for node in self.root.walk() if node.get("id")}

    def entry_ids(self) -> list[int]:
        """The reading-list rows on the page (`id="entry-N"`), in order."""
        return self.row_ids("entry-")

    def row_ids(self, prefix: str) -> list[int]:
        """The numbers N of the elements with `id="<prefix>N"`, in order."""
        rows = []
        for node in self.root.walk():
            name = node.get("id") or ""
            if name.startswith(prefix) and name[len(prefix):].isdigit():
                rows.append(int(name[len(prefix):]))
        return rows

    def poller(self) -> Request | None:
        """The request htmx repeats on an element with `hx-trigger="every …"`."""
        for node in self.root.walk():
            if "every " in (node.get("hx-trigger") or ""):
                return self._htmx_request(node, None)
        return None

    def submit(self, url: str, *, htmx: bool) -> Request:
        """Pressing the control whose request goes to `url`, with htmx or as a plain form."""
        control = self._control_for(url)
        if control is None:
            raise LookupError(f"no button or form on {self.path} sends to {url}")
        form = self._form_of(control)
        submitter = control if control.tag in ("button", "input") else None
        if htmx:
            elt = next((node for node in (control, form) if node is not None and _htmx_verb(node)), None)
            if elt is None:
                raise LookupError(f"the control that sends to {url} on {self.path} is not htmx-enhanced")
            return self._htmx_request(elt, submitter)
        if form is None:
            raise LookupError(f"the control that sends to {url} on {self.path} is in no form")
        action = (submitter.get("formaction") if submitter else None) or form.get("action") or self.path
        method = ((submitter.get("formmethod") if submitter else None) or form.get("method") or "get").upper()
        fields = self._fields(form, submitter)
        target = urljoin(self.path, action)
        headers = {"Referer": ORIGIN + self.path}
        if method == "GET":
            query = urlencode(fields)
            return Request("GET", f"{urlsplit(target).path}?{query}" if query else urlsplit(target).path, headers)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return Request(method, target, headers, urlencode(fields))

    def _control_for(self, url: str) -> Node | None:
        for node in self.root.walk():
            sends_to = [node.get("formaction"), *(node.get(f"hx-{verb}") for verb in HTMX_VERBS)]
            if node.tag == "form":
                sends_to.append(node.get("action") or self.path)  # no action: the page's own address
            if any(value is not None and urlsplit(urljoin(self.path, value)).path == url for value in sends_to):
                return node
        return None

    def _form_of(self, node: Node) -> Node | None:
        if node.get("form"):
            return self.ids.get(node.get("form"))
        return next((ancestor for ancestor in node.ancestors() if ancestor.tag == "form"), None)

    def _fields(self, form: Node, submitter: Node | None) -> list[tuple[str, str]]:
        fields = []
        for node in self.root.walk():
            if node.tag not in ("input", "select", "textarea") or not node.get("name") or "disabled" in node.attrs:
                continue
            if self._form_of(node) is not form:
                continue
            kind = (node.get("type") or "text").lower()
            unchecked = kind in ("checkbox", "radio") and "checked" not in node.attrs
            if kind in ("submit", "button", "image", "reset", "file") or unchecked:
                continue
            if node.tag == "select":
                options = [option for option in node.walk() if option.tag == "option"]
                chosen = next((option for option in options if "selected" in option.attrs), options[0] if options else None)
                fields.append((node.get("name"), chosen.get("value") or "" if chosen else ""))
            else:
                fields.append((node.get("name"), node.get("value") or ""))
        if submitter is not None and submitter.get("name"):
            fields.append((submitter.get("name"), submitter.get("value") or ""))
        return fields

    def _htmx_request(self, elt: Node, submitter: Node | None) -> Request:
        verb = _htmx_verb(elt)
        path = elt.get(f"hx-{verb}") or self.path
        if submitter is not None and submitter.get("formaction"):
            path = submitter.get("formaction")
        if submitter is not None and (submitter.get("formmethod") or "").lower() in HTMX_VERBS:
            verb = submitter.get("formmethod").lower()
        target = self._target(elt)
        headers = {"HX-Request": "true", "HX-Current-URL": ORIGIN + self.path, "Referer": ORIGIN + self.path}
        for name, value in (("HX-Trigger", elt.get("id")), ("HX-Trigger-Name", elt.get("name")),
                            ("HX-Target", target.get("id") if target else None)):
            if value:
                headers[name] = value
        for ancestor in elt.ancestors():  # the closest hx-headers wins
            for name, value in json.loads(ancestor.get("hx-headers") or "{}").items():
                headers.setdefault(name, str(value))
        form = elt if elt.tag == "form" else self._form_of(elt)
        fields = self._fields(form, submitter) if form is not None else []
        url = urljoin(self.path, path)
        if verb == "get":
            query = urlencode(fields) if elt.tag == "form" else ""
            return Request("GET", f"{url}{'&' if '?' in url else '?'}{query}" if query else url, headers)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return Request(verb.upper(), url, headers, urlencode(fields))

    def _target(self, elt: Node) -> Node | None:
        declared = next((node for node in elt.ancestors() if node.get("hx-target") is not None), None)
        if declared is None:
            return elt
        selector = declared.get("hx-target").strip()
        if selector == "this":
            return declared
        if selector.startswith("closest "):
            return next((node for node in elt.ancestors() if node.matches(selector[8:].strip())), None)
        if selector.startswith("#"):
            return self.ids.get(selector[1:])
        return None


def _htmx_verb(node: Node) -> str | None:
    return next((verb for verb in HTMX_VERBS if node.get(f"hx-{verb}") is not None), None)
