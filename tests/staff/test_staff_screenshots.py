"""The staff page's pictures in docs/images/ can be remade from the real assistant at any time."""

import struct
import subprocess
import sys

from stores.db_url import PROJECT_ROOT


def _size(png):
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_the_script_makes_both_pictures(tmp_path):
    proc = subprocess.run([sys.executable, str(PROJECT_ROOT / "scripts" / "staff_screenshots.py"),
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=600,
                          cwd=PROJECT_ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    width, height = _size(tmp_path / "staff-dashboard.png")
    assert width == 1250 and 600 < height < 2000
    assert _size(tmp_path / "staff-transcript.png") == (1250, 900)
