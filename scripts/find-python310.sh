#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter (Rasa 3.6 runs on Python 3.8-3.10), or explains.
set -u
for candidate in "${PYTHON310:-}" python3.10 "$HOME"/.pyenv/versions/3.10*/bin/python3.10 \
                 /usr/local/bin/python3.10 /usr/bin/python3.10; do
    [ -n "$candidate" ] || continue
    if path=$(command -v "$candidate" 2>/dev/null) && "$path" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
        echo "$path"
        exit 0
    fi
done
cat >&2 <<'MSG'
ERROR: Python 3.10 was not found. Rasa Open Source 3.6 needs Python 3.8-3.10.
Install it (for example `pyenv install 3.10.13`, or your system's python3.10 package with venv),
or point PYTHON310 at the interpreter: make run PYTHON310=/path/to/python3.10
MSG
exit 1
