"""Makes the project importable for the store tests."""

import sys
from pathlib import Path

# The project root must be importable under plain `pytest` too (not only `python -m pytest`).
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
