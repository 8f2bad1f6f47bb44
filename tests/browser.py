"""Headless Chromium for tests that look at a page the way a reader does (installed when missing, never skipped)."""
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    if not CHROMIUM.exists():
        subprocess.run(["bash", str(REPO / "scripts" / "install-browser.sh")], check=True, timeout=900)
    assert CHROMIUM.exists(), "scripts/install-browser.sh did not install /usr/bin/chromium"
    return subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                           "--no-first-run", "--disable-background-networking", "--disable-component-update",
                           "--disable-sync", f"--user-data-dir={profile}",
                           "--host-resolver-rules=MAP * ~NOTFOUND",      # any network fetch would fail
                           "--virtual-time-budget=15000", *args],
                          capture_output=True, text=True, timeout=180, check=True)
