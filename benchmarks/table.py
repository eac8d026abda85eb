"""The README's speed tables, printed from benchmarks/results.json (what `make bench` wrote).

Run: .venv/bin/python benchmarks/table.py
"""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results.json"
PAGES = {"overview": "Overview 总览", "response": "Response 响应", "resolution": "Resolution 解决",
         "complaints": "Complaints 投诉", "satisfaction": "Satisfaction 满意度",
         "calls": "Calls 话务",
         "agents": "Agents 坐席绩效", "agent": "One agent 坐席详情", "teams": "Teams 班组对比",
         "qa": "QA 质检", "catalog": "Catalog 指标说明"}
LABELS = ("1M", "10M")


def seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    cores = sum(1 for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("processor"))
    mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal"))
    return f"{cores} vCPU ({cpu}), {mem / 1024 ** 2:.0f} GiB, {platform.system()}"


def _head(first: str, labels: list[str]) -> list[str]:
    """A table's header rows: the first column's title, then one column per size and period."""
    head = [first] + [f"{label}, {'month' if period == 'month' else '12 months'}"
                      for label in labels for period in ("month", "year")]
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]


def browser_table(results: dict[str, Any]) -> list[str]:
    labels = [label for label in LABELS if label in results]
    lines = _head("page: cold / first / rerun / click", labels)
    for page, title in PAGES.items():
        cells = [title]
        for label in labels:
            for period in ("month", "year"):
                row = results[label]["pages"].get(f"{page}/{period}", {})
                cells.append(" / ".join(seconds(row.get(k))
                                        for k in ("cold", "first", "rerun", "click")))
        lines.append("| " + " | ".join(cells) + " |")
    for label in labels:
        r = results[label]
        floor, catalog = r["pages"].get("floor", {}), r["pages"].get("catalog/empty-cache", {})
        if floor:
            lines.append("")
            lines.append(
                f"{label}: Streamlit's floor (a title and a line) {seconds(floor['first'])} s to "
                f"a first visit ({seconds(floor['first_empty_cache'])} s with an empty browser "
                f"cache), rerun {seconds(floor['rerun'])} s; the Catalog with an empty cache "
                f"{seconds(catalog.get('first_empty_cache'))} s. Server peak RSS "
                f"{r['server_peak_rss_mb']:,} MB.")
    return lines


def query_table(results: dict[str, Any]) -> list[str]:
    queries = results.get("queries", {})
    labels = [label for label in LABELS if label in queries]
    lines = _head("page: ms (x hand-written SQL)", labels)
    for page, title in PAGES.items():
        if page == "catalog":
            continue
        cells = [title]
        for label in labels:
            for period in ("month", "year"):
                row = queries[label]["pages"].get(f"{page}/{period}")
                cells.append("—" if row is None else
                             f"{row['page_ms']:,.0f} ({row['page_ms'] / row['hand_ms']:.2f}x)")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    results = json.loads(RESULTS.read_text())
    measured = max(results[label].get("measured", "") for label in LABELS if label in results)
    print(f"Measured {measured} on {machine()}; seconds, medians.\n")
    print("\n".join(browser_table(results)))
    print()
    print("\n".join(query_table(results)))


if __name__ == "__main__":
    main()
