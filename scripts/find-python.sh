#!/usr/bin/env sh
# Prints the path of a Python >= 3.12 interpreter, preferring 3.13.
# pyenv shims on PATH may exist without being enabled, so each candidate is
# actually run before it is accepted.
for cand in "${PYTHON:-}" python3.13 python3.12 python3; do
  [ -n "$cand" ] || continue
  if "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then
    command -v "$cand" 2>/dev/null || echo "$cand"
    exit 0
  fi
done
# pyenv installs that are not selected as the global version.
for root in "${PYENV_ROOT:-$HOME/.pyenv}"; do
  for exe in "$root"/versions/3.13*/bin/python3.13 "$root"/versions/3.12*/bin/python3.12; do
    if [ -x "$exe" ] && "$exe" -c 'import sys' >/dev/null 2>&1; then
      echo "$exe"
      exit 0
    fi
  done
done
echo "Beacon needs Python 3.12 or newer. Install it (Debian/Ubuntu: 'apt-get install python3.12 python3.12-venv', macOS: 'brew install python@3.13') or set PYTHON=/path/to/python3.12." >&2
exit 1
