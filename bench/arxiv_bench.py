"""How many requests an import costs, and how fast a full page of results is read.

Run: .venv/bin/python bench/arxiv_bench.py
Nothing reaches the network: requests go to a fake arXiv (the responses
library) that answers with the recorded entry of tests/fixtures/arxiv.
Exits with status 1 when a target is missed.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readinglist.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

import feedparser  # noqa: E402
import requests  # noqa: E402
import responses  # noqa: E402

from papers.arxiv import API_URL, ArxivClient, parse_api_response  # noqa: E402

RECORDED = ROOT / "tests" / "fixtures" / "arxiv" / "new-backend-id-1605.08386.xml"
RECORDED_ID = "1605.08386"
ID_COUNTS = [1, 100, 101, 250, 1000]
PAGE_SIZES = (200, 2000)
PARSE_TARGET_SECONDS = 1.0
TIMING_RUNS = 5


def feed_template(heavier: bool) -> tuple[str, str, str]:
    """The recorded answer split around its entry; `heavier` makes the entry a long multi-author one."""
    head, rest = RECORDED.read_text().split("<entry>", 1)
    entry, tail = rest.split("</entry>", 1)
    if heavier:
        # Closer to a typical recent paper: a dozen authors, a 1.8 kB abstract, a DOI and a journal.
        authors = "".join(f"<author><name>Author Number {n}</name></author>" for n in range(10))
        abstract = "We study heat-bath random walks on lattice points and their mixing. " * 26
        entry = entry.replace("<author>", authors + "<author>", 1)
        entry = entry.replace("<summary>", f"<summary>{abstract}", 1)
        entry += "<arxiv:doi>10.1000/xyz123</arxiv:doi><arxiv:journal_ref>J. Example 12 (2016) 1-20</arxiv:journal_ref>"
    return head, entry, tail


def feed_for_ids(ids: list[str], heavier: bool = False) -> bytes:
    head, entry, tail = feed_template(heavier)
    entries = "".join(f"<entry>{entry.replace(RECORDED_ID, arxiv_id)}</entry>" for arxiv_id in ids)
    return (head + entries + tail).encode()


def page_ids(count: int) -> list[str]:
    return [f"2401.{number:05d}" for number in range(1, count + 1)]


def requests_for(count: int) -> int:
    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        asked = parse_qs(urlsplit(request.url).query)["id_list"][0].split(",")
        return 200, {}, feed_for_ids(asked)

    # The installation-wide throttle is not what is measured here, and would wait 3 s a request.
    client = ArxivClient(throttle=contextlib.nullcontext(), sleep=lambda seconds: None)
    with responses.RequestsMock() as fake_arxiv:
        fake_arxiv.add_callback(responses.GET, API_URL, callback=answer)
        result = client.fetch(page_ids(count))
        assert len(result.entries) == count
        return len(fake_arxiv.calls)


def best_time(action: Callable[[], object]) -> float:
    timings = []
    for _ in range(TIMING_RUNS):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return min(timings)


def pin_to_one_core() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity here)"
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return f"pinned to core {core}"


def main() -> int:
    missed = False

    print("Requests for N ids (fake arXiv, no network)")
    print(f"{'N':>6} {'requests':>9} {'ceil(N/100)':>12}")
    for count in ID_COUNTS:
        made = requests_for(count)
        expected = math.ceil(count / 100)
        missed |= made != expected
        print(f"{count:>6} {made:>9} {expected:>12}{'' if made == expected else '  MISMATCH'}")

    print()
    print(f"Parsing one answer, best of {TIMING_RUNS}, {pin_to_one_core()}")
    print(f"{'entry':<28} {'entries':>7} {'size':>9} {'seconds':>8} {'vs 200':>7}")
    for label, heavier in (("recorded (2 authors)", False), ("heavier (11 authors, DOI)", True)):
        seconds = {}
        for size in PAGE_SIZES:
            content = feed_for_ids(page_ids(size), heavier)
            seconds[size] = best_time(lambda content=content: parse_api_response(content))
            ratio = seconds[size] / seconds[PAGE_SIZES[0]]
            print(f"{label:<28} {size:>7} {len(content) / 1e6:>7.2f}MB {seconds[size]:>8.3f} {ratio:>6.1f}x")
        missed |= seconds[2000] >= PARSE_TARGET_SECONDS
    reference = feed_for_ids(page_ids(2000), heavier=True)
    feedparser_seconds = best_time(lambda: feedparser.parse(reference))
    print(f"{'feedparser alone, heavier':<28} {2000:>7} {len(reference) / 1e6:>7.2f}MB {feedparser_seconds:>8.3f}")
    print(f"\nTarget: 2000 entries in under {PARSE_TARGET_SECONDS:.0f} s -> {'missed' if missed else 'met'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
