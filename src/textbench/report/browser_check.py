"""Open a report in headless Chromium and count the images that actually rendered.

``python -m textbench.report.browser_check STUDY_DIR/report.html`` prints
``images rendered: N/M`` and exits 0 only when every image decoded and no image
points outside the file (the report must be self-contained). Chromium is not a
dependency; on Debian: ``apt-get install chromium``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# Runs after load: marks every image that decoded with a non-zero size.
_PROBE = """<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0 && i.naturalHeight > 0; });
  var d = document.createElement('div'); d.id = 'textbench-probe';
  d.textContent = 'rendered ' + ok.length + '/' + imgs.length;
  document.body.appendChild(d);
});
</script>"""
_RESULT = re.compile(r'id="textbench-probe">rendered (\d+)/(\d+)<')


@dataclass
class BrowserCheck:
    rendered: int
    total: int
    external: list[str]  # image sources that are not embedded data URIs

    @property
    def ok(self) -> bool:
        return self.total > 0 and self.rendered == self.total and not self.external


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def check_html(path: str | Path, chromium: str | None = None, timeout: float = 120) -> BrowserCheck:
    """Render ``path`` in headless Chromium (offline, no sandbox) and count decoded images."""
    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError("no Chromium found (install it, e.g. apt-get install chromium)")
    html = Path(path).read_text(encoding="utf-8")
    external = [s for s in re.findall(r'<img[^>]*\ssrc="([^"]*)"', html) if not s.startswith("data:image/")]
    with tempfile.TemporaryDirectory(prefix="textbench-html-") as tmp:
        probe = Path(tmp) / "probe.html"  # a copy in an empty folder: relative links could not resolve
        probe.write_text(html.replace("</body>", _PROBE + "\n</body>"), encoding="utf-8")
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--no-first-run", f"--user-data-dir={tmp}/profile", "--virtual-time-budget=15000",
               "--dump-dom", probe.as_uri()]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    m = _RESULT.search(out.stdout)
    if not m:
        raise RuntimeError(f"Chromium gave no result (exit {out.returncode}): {out.stderr.strip()[-300:]}")
    return BrowserCheck(int(m.group(1)), int(m.group(2)), external)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m textbench.report.browser_check REPORT.html", file=sys.stderr)
        return 2
    result = check_html(args[0])
    print(f"images rendered: {result.rendered}/{result.total}"
          + (f"; not embedded: {', '.join(result.external)}" if result.external else ""))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
