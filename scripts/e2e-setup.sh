#!/usr/bin/env bash
# Installs code-server (the real VS Code workbench, served to a browser) into .e2e/code-server for the
# end-to-end tests in test/e2e/, offline: only the npm registry is used. See shared/recipes/code-server.md.
#
# Idempotent: a marker file records the code-server version and the Node ABI the native modules were built
# for; when it matches, nothing is done. Delete .e2e/code-server (or the marker) to force a reinstall.
#
# It never runs apt-get: the system packages (chromium, ripgrep, and the headers the native modules build
# against) are installed by .ci/run, or by hand:
#   apt-get install -y chromium ripgrep libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config
set -euo pipefail

VERSION=4.100.3
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${DCGAN_LAB_CODE_SERVER_DIR:-$ROOT/.e2e/code-server}"
CS="$DIR/node_modules/code-server"
VS="$CS/lib/vscode"
MARKER="$DIR/.dcgan-lab-installed"
APT_HINT="apt-get install -y chromium ripgrep libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config"

say() { echo "[e2e-setup] $*"; }
die() { echo "[e2e-setup] ERROR: $*" >&2; exit 1; }
trap 'echo "[e2e-setup] ERROR: command failed (line $LINENO): $BASH_COMMAND" >&2' ERR

command -v node >/dev/null || die "node is not on PATH"
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
NODE_ABI="$(node -p 'process.versions.modules')"
[ "$NODE_MAJOR" = 20 ] || die "code-server $VERSION needs Node 20 (found $(node --version)); code-server 4.103+ would need Node 22/24"
WANT="code-server=$VERSION node-abi=$NODE_ABI"

# Runtime system packages: checked every time, warm or cold.
missing=()
[ -x /usr/bin/chromium ] || missing+=("chromium (provides /usr/bin/chromium)")
[ -x /usr/bin/rg ] || missing+=("ripgrep (provides /usr/bin/rg)")
[ ${#missing[@]} -eq 0 ] || die "missing apt packages: ${missing[*]}. Install with: $APT_HINT"

if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$WANT" ] && [ -f "$CS/out/node/entry.js" ]; then
  say "code-server $VERSION already installed in $DIR ($WANT); nothing to do"
  exit 0
fi

say "installing code-server $VERSION into $DIR (no marker, or it differs from: $WANT)"
start=$SECONDS
rm -f "$MARKER"

# Build-time system packages: only needed to build the native modules.
missing=()
command -v make >/dev/null || missing+=("make")
command -v g++ >/dev/null || missing+=("g++")
command -v python3 >/dev/null || missing+=("python3")
command -v pkg-config >/dev/null || missing+=("pkg-config")
command -v krb5-config >/dev/null || missing+=("libkrb5-dev (for kerberos)")
[ -f /usr/include/X11/Xlib.h ] || missing+=("libx11-dev")
[ -f /usr/include/X11/extensions/XKBfile.h ] || missing+=("libxkbfile-dev")
pkg-config --exists libsecret-1 2>/dev/null || missing+=("libsecret-1-dev")
[ ${#missing[@]} -eq 0 ] || die "missing build tools / apt packages: ${missing[*]}. Install with: $APT_HINT (and build-essential python3 for make/g++)"

# node-gyp: the one bundled with npm (no download); headers from the local Node install when it has them,
# so node-gyp never tries to download them.
NPM_ROOT="$(npm root -g 2>/dev/null)"
NODE_GYP="$NPM_ROOT/npm/node_modules/node-gyp/bin/node-gyp.js"
if [ -f "$NODE_GYP" ]; then node_gyp() { node "$NODE_GYP" "$@"; }; else NODE_GYP=""; node_gyp() { npx --yes node-gyp "$@"; }; fi
NODEDIR="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
GYP_ARGS=()
GYP_ENV=()
if [ -f "$NODEDIR/include/node/node.h" ]; then GYP_ARGS+=("--nodedir=$NODEDIR"); GYP_ENV+=("npm_config_nodedir=$NODEDIR")
else say "warning: no Node headers at $NODEDIR/include/node: node-gyp will try to download them (offline, that fails)"; fi
export JOBS=max   # node-gyp: compile on every core
say "node $(node --version) (ABI $NODE_ABI), node-gyp: ${NODE_GYP:-npx}, headers: ${NODEDIR}/include/node"

mkdir -p "$DIR"
cd "$DIR"
[ -f package.json ] || { say "npm init in $DIR"; npm init -y >/dev/null; }

say "[1/5] npm install --ignore-scripts code-server@$VERSION"
npm install --no-audit --no-fund --ignore-scripts "code-server@$VERSION"

say "[2/5] npm install --omit=dev --ignore-scripts in node_modules/code-server/lib/vscode"
(cd "$VS" && npm install --no-audit --no-fund --omit=dev --ignore-scripts)

say "[3/5] node-gyp rebuild of the native modules of VS Code"
for m in node-pty @parcel/watcher kerberos @vscode/spdlog; do
  [ -d "$VS/node_modules/$m" ] || die "$VS/node_modules/$m is missing after npm install"
  say "      node-gyp rebuild: $m"
  (cd "$VS/node_modules/$m" && node_gyp rebuild "${GYP_ARGS[@]}" >"$DIR/build-$(echo "$m" | tr / _).log" 2>&1) \
    || { tail -40 "$DIR/build-$(echo "$m" | tr / _).log" >&2; die "node-gyp rebuild of $m failed (log: $DIR/build-$(echo "$m" | tr / _).log)"; }
done

say "[4/5] node-pre-gyp rebuild --build-from-source: argon2"
[ -d node_modules/argon2 ] || die "node_modules/argon2 is missing after npm install"
PRE_GYP=""
for p in node_modules/.bin/node-pre-gyp node_modules/argon2/node_modules/.bin/node-pre-gyp; do
  [ -x "$p" ] && { PRE_GYP="$DIR/$p"; break; }
done
[ -n "$PRE_GYP" ] || die "node-pre-gyp not found in $DIR/node_modules/.bin (argon2 depends on @mapbox/node-pre-gyp)"
# node-pre-gyp calls node-gyp: put the npm-bundled one first on PATH.
GYP_BIN="$(mktemp -d)"
[ -z "$NODE_GYP" ] || { printf '#!/bin/sh\nexec node "%s" "$@"\n' "$NODE_GYP" >"$GYP_BIN/node-gyp"; chmod +x "$GYP_BIN/node-gyp"; }
(cd node_modules/argon2 && env "${GYP_ENV[@]}" PATH="$GYP_BIN:$DIR/node_modules/.bin:$PATH" "$PRE_GYP" rebuild --build-from-source >"$DIR/build-argon2.log" 2>&1) \
  || { tail -40 "$DIR/build-argon2.log" >&2; die "node-pre-gyp rebuild of argon2 failed (log: $DIR/build-argon2.log)"; }
rm -rf "$GYP_BIN"

say "[5/5] ripgrep: symlink /usr/bin/rg into @vscode/ripgrep/bin (its postinstall would download it)"
mkdir -p "$VS/node_modules/@vscode/ripgrep/bin"
ln -sf /usr/bin/rg "$VS/node_modules/@vscode/ripgrep/bin/rg"

say "verifying: loading each native module and running code-server --version"
for m in node-pty @parcel/watcher kerberos @vscode/spdlog; do
  (cd "$VS" && node -e "require('$m')") || die "native module $m does not load"
done
node -e "require('$DIR/node_modules/argon2')" || die "argon2 does not load"
# (XDG_*: it would otherwise write a default config and logs into ~/.config and ~/.local/share)
V="$(XDG_CONFIG_HOME="$DIR/.xdg" XDG_DATA_HOME="$DIR/.xdg" node "$CS/out/node/entry.js" --version 2>&1 | grep -E '^[0-9]+\.[0-9]+\.[0-9]+ ' | head -1 || true)"
case "$V" in "$VERSION"*) say "code-server --version: $V";; *) die "code-server --version printed: $V";; esac

echo "$WANT" >"$MARKER"
say "done in $((SECONDS - start)) s"
