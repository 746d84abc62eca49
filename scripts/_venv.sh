# Shared by scripts/serve and scripts/test: find or make the virtualenv certherd runs in.
# Sourced, not run. Sets PY to its python, after installing certherd (with EXTRAS) into it.
# Settings: PYTHON (default python3), CERTHERD_VENV (default <repo>/.venv),
# CERTHERD_SKIP_INSTALL=1 (skip pip).

say() { printf '\n==> %s\n' "$*"; }
die() {
  printf '%s: error: %s\n' "${0##*/}" "$*" >&2
  exit 1
}

as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "root is needed to run '$*' and sudo is not available"
  fi
}

BASE_PYTHON=${PYTHON:-python3}
command -v "$BASE_PYTHON" >/dev/null 2>&1 || die "$BASE_PYTHON not found (set PYTHON)"

# --- a virtualenv with certherd (and EXTRAS) installed ------------------------------------
if [[ $("$BASE_PYTHON" -c 'import sys; print(sys.prefix != sys.base_prefix)') == True ]]; then
  PY=$("$BASE_PYTHON" -c 'import sys; print(sys.executable)')
else
  VENV=${CERTHERD_VENV:-$ROOT/.venv}
  if [[ ! -x $VENV/bin/python ]]; then
    say "creating virtualenv $VENV"
    if ! "$BASE_PYTHON" -m venv "$VENV"; then
      # Debian's python3 has no ensurepip until python3-venv is installed.
      rm -rf -- "$VENV"
      command -v apt-get >/dev/null 2>&1 || die "'$BASE_PYTHON -m venv' failed"
      version=$("$BASE_PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
      as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "python$version-venv" >/dev/null
      "$BASE_PYTHON" -m venv "$VENV"
    fi
  fi
  PY=$VENV/bin/python
fi

if [[ ${CERTHERD_SKIP_INSTALL:-0} != 1 ]]; then
  say "installing certherd${EXTRAS:-} into $("$PY" -c 'import sys; print(sys.prefix)')"
  "$PY" -m pip install --quiet --disable-pip-version-check -e ".${EXTRAS:-}"
fi
