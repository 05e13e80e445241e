"""Open a Snakemake report.html in headless Chromium and check that every figure renders.

The report is a single-page application: its results are data URIs inside the page, shown one at a time. For
each image result the page is opened with a small script that asks the report's own app to show that result,
Chromium takes a screenshot, and the screenshot's content area must hold the figure (not a blank page).
The demo test can call ``check_report(path)`` on its report.html.
"""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--virtual-time-budget=8000"]
WIDTH, HEIGHT = 1400, 1000


def chromium_available() -> bool:
    return Path(CHROMIUM).exists()


def embedded_results(html: str) -> dict[str, dict]:
    """The report's results (path -> entry with mime_type and data_uri), as the page embeds them."""
    m = re.search(r'<script id="results">(.*?)</script>', html, re.S)
    if not m:
        raise AssertionError("no embedded results in the report")
    body = m.group(1).strip()
    body = body[body.index("{"): body.rindex("}") + 1]
    return json.loads(body)


def screenshot(page: Path, out: Path) -> Path:
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        proc = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={out}",
                               f"--window-size={WIDTH},{HEIGHT}", page.as_uri()],
                              capture_output=True, text=True, timeout=120)
    if not out.exists():
        raise AssertionError(f"chromium wrote no screenshot (exit {proc.returncode}): {proc.stderr[-2000:]}")
    return out


def _pixels(png: Path | bytes):  # type: ignore[no-untyped-def]
    import numpy as np
    from PIL import Image

    img = Image.open(io.BytesIO(png) if isinstance(png, bytes) else png).convert("RGB")
    return np.asarray(img).astype(int)


def not_blank(pixels) -> bool:  # type: ignore[no-untyped-def]
    """More than 1 % of the pixels differ from the most common colour (the background)."""
    flat = pixels.reshape(-1, 3)
    colours, counts = __import__("numpy").unique(flat, axis=0, return_counts=True)
    background = colours[counts.argmax()]
    differ = (abs(flat - background).sum(axis=1) > 30).mean()
    return bool(differ > 0.01)


def signature_colours(pixels) -> list[tuple[int, ...]]:  # type: ignore[no-untyped-def]
    """The figure's saturated colours (bars, curves, colour maps), quantized, that cover >= 0.2 % of it."""
    import numpy as np

    flat = (pixels // 16).reshape(-1, 3)
    colours, counts = np.unique(flat, axis=0, return_counts=True)
    keep = (colours.max(axis=1) - colours.min(axis=1) >= 4) & (counts >= 0.002 * len(flat))
    return [tuple(int(v) for v in c) for c in colours[keep]]


def check_report(report: Path, workdir: Path) -> dict[str, Path]:
    """Screenshot every image of *report*; assert each is present and not blank. Returns name -> screenshot."""
    html = report.read_text()
    results = embedded_results(html)
    images = {path: entry for path, entry in results.items() if entry.get("mime_type", "").startswith("image/")}
    assert images, "the report embeds no image"
    shots: dict[str, Path] = {}
    landing = screenshot(report, workdir / "landing.png")
    assert not_blank(_pixels(landing)), "the report's landing page is blank"
    for i, (path, entry) in enumerate(sorted(images.items())):
        data = base64.b64decode(entry["data_uri"].split("base64,", 1)[1])
        assert not_blank(_pixels(data)), f"{path}: the embedded figure itself is blank"
        # `app` is the report's global application object; setView is what its result buttons call.
        show = (f"<script>window.addEventListener('load', () => setTimeout(() => app.setView("
                f"{{content: 'img', contentPath: results[{json.dumps(path)}].data_uri, "
                f"resultPath: {json.dumps(path)}}}), 100));</script>")
        page = workdir / f"page_{i}.html"
        # the page's last </body>: earlier ones sit inside the report's bundled scripts
        head, sep, tail = html.rpartition("</body>")
        page.write_text(head + show + sep + tail if sep else html + show)
        shot = screenshot(page, workdir / f"shot_{i}.png")
        pixels = _pixels(shot)
        content = pixels[:, int(pixels.shape[1] * 0.25):]  # right of the navigation bar
        assert not_blank(content), f"{path}: nothing rendered in the report's content area"
        colours = signature_colours(_pixels(data))
        if colours:
            shown = {tuple(c) for c in (content // 16).reshape(-1, 3)}
            found = sum(c in shown for c in colours)
            assert found >= max(1, len(colours) // 2), f"{path}: the figure's colours are not on screen"
        shots[entry.get("name", path)] = shot
    return shots
