#!/usr/bin/env bash
# Run the test suite in a fresh or existing .venv: installs esrgraph with its test extras
# (pinned by constraints.txt) and, when it is missing and we are root, Debian's `chromium`
# for the browser tests (they skip with a reason otherwise), lints with ruff, type-checks with
# mypy (both pinned; settings in pyproject.toml), then runs pytest on every core, up to four
# (pytest-xdist; each test file stays in one process, so its module fixtures are made once).
# Arguments go to pytest:
#   scripts/test.sh -q                 # everything
#   scripts/test.sh -m "not browser"   # without Chromium
#   scripts/test.sh -n 0               # in one process
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q -c constraints.txt -e '.[test,research]'

if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian chromium for the browser tests" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
      || echo "could not install chromium: browser tests will be skipped" >&2
  else
    echo "chromium not installed (and not root): browser tests will be skipped" >&2
  fi
fi

echo "ruff check" >&2
.venv/bin/python -m ruff check --quiet .
echo "mypy (strict) on src/esrgraph" >&2
.venv/bin/python -m mypy
exec .venv/bin/python -m pytest -n auto --maxprocesses 4 --dist loadfile "$@"
