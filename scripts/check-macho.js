#!/usr/bin/env node
// A small Mach-O reader for checking the Darwin addon without llvm tools or a Mac.
// It reads thin 64-bit Mach-O files and universal (fat) files, and from each slice:
// the header (cputype, filetype, flags), LC_LOAD_DYLIB and friends, LC_BUILD_VERSION
// (or LC_VERSION_MIN_MACOSX), LC_SYMTAB / LC_DYSYMTAB, and from the symbol table the
// undefined symbols with their two-level library ordinals and the exported symbols.
//
// CLI: node scripts/check-macho.js [--arch arm64|x64|universal] [--napi-symbols <symbols.js>]
//                                  [--allow-libcxx] [--json] <file>...
// exits 1 when any file fails checkAddon(), printing why.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MH_MAGIC_64 = 0xfeedfacf;
export const FAT_MAGIC = 0xcafebabe;
export const FAT_MAGIC_64 = 0xcafebabf;
export const CPU_TYPE_X86_64 = 0x01000007;
export const CPU_TYPE_ARM64 = 0x0100000c;
export const MH_DYLIB = 6;
export const MH_BUNDLE = 8;
export const MH_TWOLEVEL = 0x80;
export const PLATFORM_MACOS = 1;

const LC_REQ_DYLD = 0x80000000;
const LC_SYMTAB = 0x2;
const LC_DYSYMTAB = 0xb;
const LC_LOAD_DYLIB = 0xc;
const LC_ID_DYLIB = 0xd;
const LC_LOAD_WEAK_DYLIB = 0x18 | LC_REQ_DYLD;
const LC_REEXPORT_DYLIB = 0x1f | LC_REQ_DYLD;
const LC_LAZY_LOAD_DYLIB = 0x20;
const LC_LOAD_UPWARD_DYLIB = 0x23 | LC_REQ_DYLD;
const LC_VERSION_MIN_MACOSX = 0x24;
const LC_BUILD_VERSION = 0x32;
const LC_DYLD_INFO = 0x22;
const LC_DYLD_INFO_ONLY = (0x22 | LC_REQ_DYLD) >>> 0;
const LC_DYLD_CHAINED_FIXUPS = (0x34 | LC_REQ_DYLD) >>> 0;
const DYLIB_COMMANDS = new Map([
  [LC_LOAD_DYLIB >>> 0, 'LC_LOAD_DYLIB'],
  [LC_LOAD_WEAK_DYLIB >>> 0, 'LC_LOAD_WEAK_DYLIB'],
  [LC_REEXPORT_DYLIB >>> 0, 'LC_REEXPORT_DYLIB'],
  [LC_LAZY_LOAD_DYLIB >>> 0, 'LC_LAZY_LOAD_DYLIB'],
  [LC_LOAD_UPWARD_DYLIB >>> 0, 'LC_LOAD_UPWARD_DYLIB'],
]);

const N_STAB = 0xe0;
const N_TYPE = 0x0e;
const N_EXT = 0x01;
const N_UNDF = 0x0;
const N_WEAK_REF = 0x40;
export const SELF_LIBRARY_ORDINAL = 0x0;
export const DYNAMIC_LOOKUP_ORDINAL = 0xfe;
export const EXECUTABLE_ORDINAL = 0xff;

/** Architecture name of a Mach-O cputype, in Node's spelling. */
export function archName(cputype) {
  if (cputype === CPU_TYPE_ARM64) return 'arm64';
  if (cputype === CPU_TYPE_X86_64) return 'x64';
  return `cputype-0x${(cputype >>> 0).toString(16)}`;
}

/** "X.Y.Z" from a packed nibble version (xxxx.yy.zz). */
export function versionString(v) {
  return `${v >>> 16}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}

function cString(buf, start, end) {
  let i = start;
  while (i < end && buf[i] !== 0) i++;
  return buf.toString('latin1', start, i);
}

/** Parse one thin 64-bit little-endian Mach-O image starting at `base` in `buf`. */
export function parseThin(buf, base = 0, size = buf.length - base) {
  if (size < 32) throw new Error('file too small for a Mach-O header');
  const u32 = (off) => buf.readUInt32LE(base + off);
  const magic = u32(0);
  if (magic !== MH_MAGIC_64) throw new Error(`not a 64-bit little-endian Mach-O (magic 0x${magic.toString(16)})`);
  const header = {
    cputype: buf.readInt32LE(base + 4),
    cpusubtype: buf.readInt32LE(base + 8),
    filetype: u32(12),
    ncmds: u32(16),
    sizeofcmds: u32(20),
    flags: u32(24),
  };
  if (32 + header.sizeofcmds > size) throw new Error('load commands run past the end of the image');
  const dylibs = [];
  let buildVersion;
  let symtab;
  let dysymtab;
  let idDylib;
  let dyldInfo;
  let chainedFixups;
  let off = 32;
  for (let i = 0; i < header.ncmds; i++) {
    const cmd = u32(off);
    const cmdsize = u32(off + 4);
    if (cmdsize < 8 || off + cmdsize > 32 + header.sizeofcmds) throw new Error(`load command ${i} has a bad size ${cmdsize}`);
    const kind = DYLIB_COMMANDS.get(cmd >>> 0);
    if (kind) {
      const nameOff = u32(off + 8);
      dylibs.push({
        command: kind,
        name: cString(buf, base + off + nameOff, base + off + cmdsize),
        currentVersion: versionString(u32(off + 16)),
        compatibilityVersion: versionString(u32(off + 20)),
      });
    } else if (cmd === LC_ID_DYLIB) {
      idDylib = cString(buf, base + off + u32(off + 8), base + off + cmdsize);
    } else if (cmd === LC_BUILD_VERSION) {
      buildVersion = { platform: u32(off + 8), minos: versionString(u32(off + 12)), sdk: versionString(u32(off + 16)) };
    } else if (cmd === LC_VERSION_MIN_MACOSX && !buildVersion) {
      buildVersion = { platform: PLATFORM_MACOS, minos: versionString(u32(off + 8)), sdk: versionString(u32(off + 12)) };
    } else if (cmd === LC_SYMTAB) {
      symtab = { symoff: u32(off + 8), nsyms: u32(off + 12), stroff: u32(off + 16), strsize: u32(off + 20) };
    } else if (cmd === LC_DYLD_INFO || cmd === LC_DYLD_INFO_ONLY) {
      dyldInfo = {
        bind: [u32(off + 16), u32(off + 20)],
        weakBind: [u32(off + 24), u32(off + 28)],
        lazyBind: [u32(off + 32), u32(off + 36)],
      };
    } else if (cmd === LC_DYLD_CHAINED_FIXUPS) {
      chainedFixups = [u32(off + 8), u32(off + 12)];
    } else if (cmd === LC_DYSYMTAB) {
      dysymtab = {
        iextdefsym: u32(off + 16),
        nextdefsym: u32(off + 20),
        iundefsym: u32(off + 24),
        nundefsym: u32(off + 28),
      };
    }
    off += cmdsize;
  }

  // How dyld binds each imported symbol: from the bind opcodes (LC_DYLD_INFO[_ONLY]) or the
  // chained-fixups import table. This, not the nlist n_desc, is what decides at load time
  // (zig's linker writes ordinal 0 into n_desc for dynamic_lookup symbols).
  const binds = [];
  if (dyldInfo) {
    for (const [kind, [o, n]] of [['bind', dyldInfo.bind], ['weak', dyldInfo.weakBind], ['lazy', dyldInfo.lazyBind]]) {
      if (n > 0) binds.push(...readBindOpcodes(buf, base + o, base + o + n, kind));
    }
  } else if (chainedFixups && chainedFixups[1] > 0) {
    binds.push(...readChainedImports(buf, base + chainedFixups[0], chainedFixups[1]));
  }
  const bindOf = new Map();
  for (const b of binds) if (!bindOf.has(b.name) || b.kind !== 'weak') bindOf.set(b.name, b);
  const libraryOf = (ordinal) => {
    if (ordinal === -2 || ordinal === DYNAMIC_LOOKUP_ORDINAL) return '(flat lookup)';
    if (ordinal === -1 || ordinal === EXECUTABLE_ORDINAL) return '(executable)';
    if (ordinal === -3) return '(weak lookup)';
    if (ordinal === SELF_LIBRARY_ORDINAL) return '(self)';
    return dylibs[ordinal - 1]?.name ?? `(bad ordinal ${ordinal})`;
  };

  const undefinedSymbols = [];
  const exportedSymbols = [];
  if (symtab) {
    if (symtab.symoff + symtab.nsyms * 16 > size || symtab.stroff + symtab.strsize > size) {
      throw new Error('symbol table runs past the end of the image');
    }
    const strBase = base + symtab.stroff;
    const strEnd = strBase + symtab.strsize;
    for (let i = 0; i < symtab.nsyms; i++) {
      const e = base + symtab.symoff + i * 16;
      const strx = buf.readUInt32LE(e);
      const type = buf[e + 4];
      const desc = buf.readUInt16LE(e + 6);
      if ((type & N_STAB) !== 0) continue;
      const name = strx < symtab.strsize ? cString(buf, strBase + strx, strEnd) : '';
      if ((type & N_TYPE) === N_UNDF && (type & N_EXT) !== 0) {
        const nlistOrdinal = (desc >> 8) & 0xff;
        const b = bindOf.get(name);
        const ordinal = b ? b.ordinal : nlistOrdinal;
        const weak = (desc & N_WEAK_REF) !== 0 || (b?.weakImport ?? false);
        undefinedSymbols.push({ name, ordinal, library: libraryOf(ordinal), weak, nlistOrdinal, bound: b !== undefined });
      } else if ((type & N_EXT) !== 0) {
        exportedSymbols.push(name);
      }
    }
  }
  return {
    cputype: header.cputype,
    arch: archName(header.cputype),
    filetype: header.filetype,
    flags: header.flags,
    twoLevel: (header.flags & MH_TWOLEVEL) !== 0,
    idDylib,
    dylibs,
    buildVersion,
    dysymtab,
    bindSource: dyldInfo ? 'LC_DYLD_INFO' : chainedFixups ? 'LC_DYLD_CHAINED_FIXUPS' : 'nlist',
    binds,
    undefinedSymbols,
    exportedSymbols,
  };
}

function uleb(buf, p) {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    const byte = buf[p.i++];
    if (byte === undefined) throw new Error('truncated ULEB128 in bind info');
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return result;
    shift += 7n;
  }
}

/** Decode dyld bind opcodes into { name, ordinal, weakImport, kind } records (one per DO_BIND). */
export function readBindOpcodes(buf, start, end, kind) {
  const out = [];
  const p = { i: start };
  let ordinal = 0;
  let name = '';
  let flags = 0;
  const emit = () => out.push({ name, ordinal, weakImport: (flags & 0x1) !== 0, kind });
  while (p.i < end) {
    const byte = buf[p.i++];
    const op = byte & 0xf0;
    const imm = byte & 0x0f;
    switch (op) {
      case 0x00: // DONE (lazy bind info uses it between entries)
        if (kind !== 'lazy') return out;
        break;
      case 0x10: ordinal = imm; break; // SET_DYLIB_ORDINAL_IMM
      case 0x20: ordinal = Number(uleb(buf, p)); break; // SET_DYLIB_ORDINAL_ULEB
      case 0x30: ordinal = imm === 0 ? 0 : (imm | 0xfffffff0) | 0; break; // SET_DYLIB_SPECIAL_IMM (-1, -2, -3)
      case 0x40: { // SET_SYMBOL_TRAILING_FLAGS_IMM
        flags = imm;
        const s = p.i;
        while (p.i < end && buf[p.i] !== 0) p.i++;
        name = buf.toString('latin1', s, p.i);
        p.i++;
        break;
      }
      case 0x50: break; // SET_TYPE_IMM
      case 0x60: uleb(buf, p); break; // SET_ADDEND_SLEB (value unused; same byte layout)
      case 0x70: uleb(buf, p); break; // SET_SEGMENT_AND_OFFSET_ULEB
      case 0x80: uleb(buf, p); break; // ADD_ADDR_ULEB
      case 0x90: emit(); break; // DO_BIND
      case 0xa0: emit(); uleb(buf, p); break; // DO_BIND_ADD_ADDR_ULEB
      case 0xb0: emit(); break; // DO_BIND_ADD_ADDR_IMM_SCALED
      case 0xc0: emit(); uleb(buf, p); uleb(buf, p); break; // DO_BIND_ULEB_TIMES_SKIPPING_ULEB
      case 0xd0: if (imm === 0x00) uleb(buf, p); else if (imm === 0x01) emit(); break; // THREADED
      default: throw new Error(`unknown bind opcode 0x${byte.toString(16)}`);
    }
  }
  return out;
}

/** Decode the import table of LC_DYLD_CHAINED_FIXUPS. */
export function readChainedImports(buf, start, size) {
  const importsOffset = buf.readUInt32LE(start + 8);
  const symbolsOffset = buf.readUInt32LE(start + 12);
  const count = buf.readUInt32LE(start + 16);
  const format = buf.readUInt32LE(start + 20);
  const stride = format === 1 ? 4 : format === 2 ? 8 : format === 3 ? 16 : 0;
  if (stride === 0) throw new Error(`unknown chained imports format ${format}`);
  if (importsOffset + count * stride > size) throw new Error('chained imports run past their load command data');
  const out = [];
  for (let i = 0; i < count; i++) {
    const e = start + importsOffset + i * stride;
    let ordinal;
    let weakImport;
    let nameOffset;
    if (format === 3) {
      const lo = buf.readUInt32LE(e);
      ordinal = lo & 0xffff;
      if (ordinal >= 0xfff0) ordinal -= 0x10000;
      weakImport = ((lo >>> 16) & 1) !== 0;
      nameOffset = buf.readUInt32LE(e + 4);
    } else {
      const v = buf.readUInt32LE(e);
      ordinal = v & 0xff;
      if (ordinal >= 0xf0) ordinal -= 0x100;
      weakImport = ((v >>> 8) & 1) !== 0;
      nameOffset = v >>> 9;
    }
    out.push({ name: cString(buf, start + symbolsOffset + nameOffset, start + size), ordinal, weakImport, kind: 'chained' });
  }
  return out;
}

/** Parse a thin or universal Mach-O file; returns `{ fat, slices }`. */
export function parseMachO(buf) {
  if (buf.length < 8) throw new Error('file too small');
  const be = buf.readUInt32BE(0);
  if (be === FAT_MAGIC || be === FAT_MAGIC_64) {
    const n = buf.readUInt32BE(4);
    const slices = [];
    for (let i = 0; i < n; i++) {
      let offset;
      let size;
      if (be === FAT_MAGIC) {
        const e = 8 + i * 20;
        offset = buf.readUInt32BE(e + 8);
        size = buf.readUInt32BE(e + 12);
      } else {
        const e = 8 + i * 32;
        offset = Number(buf.readBigUInt64BE(e + 8));
        size = Number(buf.readBigUInt64BE(e + 16));
      }
      if (offset + size > buf.length) throw new Error(`fat slice ${i} runs past the end of the file`);
      slices.push(parseThin(buf, offset, size));
    }
    return { fat: true, slices };
  }
  return { fat: false, slices: [parseThin(buf)] };
}

/** Libraries the addon may link: libSystem and libbsm, nothing else (zig links libc++ statically). */
export const ALLOWED_DYLIBS = ['/usr/lib/libSystem.B.dylib', '/usr/lib/libbsm.0.dylib'];
/** Xcode's clang links libc++ dynamically; allowed with `allowLibcxx` (builds made on a Mac). */
export const LIBCXX_DYLIB = '/usr/lib/libc++.1.dylib';
/**
 * Exports the addon may have: the Node-API entry points, C++ operator new/delete (weak, as
 * with any statically linked libc++), the image header symbols, and the compiler-rt / libm
 * helpers zig links in (`___udivti3`, `_memcpy`, `_sqrt`, ...). Anything else, in particular
 * any other C++ symbol (libc++ or our own code), means -fvisibility=hidden did not hold.
 */
export const ALLOWED_EXPORTS = [
  /^_napi_register_module_v1$/,
  /^_node_api_module_get_api_version_v1$/,
  /^__Z(nw|na|dl|da)[a-zA-Z_0-9]*$/,
  /^__mh_(dylib|bundle)_header$/,
  /^___dso_handle$/,
  /^___[A-Za-z][A-Za-z0-9_]*$/,
  /^_(bcmp|memcmp|memcpy|memmove|memset|sin|cos|tan|sincos|exp|exp2|exp10|log|log2|log10|sqrt|round|trunc|floor|ceil|fabs|fmod|fma|fmax|fmin)[flq]?$/,
];
const NAPI_NAME = /^_(napi|node_api)_[a-z0-9_]+$/;

/** The Node-API symbol names (with the leading underscore) from node-api-headers' symbols.js. */
export function loadNapiSymbols(symbolsJsPath) {
  const require = createRequire(import.meta.url);
  const table = require(resolve(symbolsJsPath));
  const names = new Set();
  for (const version of Object.values(table)) {
    for (const list of Object.values(version)) if (Array.isArray(list)) for (const n of list) names.add(`_${n}`);
  }
  return names;
}

/**
 * Check a parsed slice as a shippable addon for `arch` ('arm64' | 'x64').
 * `napiSymbols` (a Set of `_napi_*` names) makes the Node-API check exact; without it any
 * `_napi_*` / `_node_api_*` name is accepted for flat lookup.
 * Returns a list of problems (empty = good).
 */
export function checkSlice(slice, { arch, minos = '11.0.0', napiSymbols, allowLibcxx = false } = {}) {
  const errors = [];
  const allowed = allowLibcxx ? [...ALLOWED_DYLIBS, LIBCXX_DYLIB] : ALLOWED_DYLIBS;
  if (arch && slice.arch !== arch) errors.push(`architecture is ${slice.arch}, expected ${arch}`);
  if (slice.filetype !== MH_BUNDLE && slice.filetype !== MH_DYLIB) errors.push(`filetype ${slice.filetype} is neither MH_BUNDLE nor MH_DYLIB`);
  if (!slice.twoLevel) errors.push('not linked with two-level namespaces (MH_TWOLEVEL missing)');
  if (!slice.buildVersion) errors.push('no LC_BUILD_VERSION / LC_VERSION_MIN_MACOSX');
  else {
    if (slice.buildVersion.platform !== PLATFORM_MACOS) errors.push(`platform ${slice.buildVersion.platform} is not macOS (1)`);
    if (minos && slice.buildVersion.minos !== minos) errors.push(`minos ${slice.buildVersion.minos}, expected ${minos}`);
  }
  for (const d of slice.dylibs) {
    if (!allowed.includes(d.name)) errors.push(`links ${d.name} (${d.command}); only ${allowed.join(', ')} are allowed`);
    if (d.command !== 'LC_LOAD_DYLIB') errors.push(`${d.name} is loaded with ${d.command}`);
  }
  if (!slice.dylibs.some((d) => d.name === '/usr/lib/libSystem.B.dylib')) errors.push('does not link libSystem.B.dylib');
  if (slice.undefinedSymbols.length === 0) errors.push('no undefined symbols at all (symbol table missing?)');
  for (const s of slice.undefinedSymbols) {
    if (s.ordinal === -2 || s.ordinal === DYNAMIC_LOOKUP_ORDINAL) {
      const ok = napiSymbols ? napiSymbols.has(s.name) : NAPI_NAME.test(s.name);
      if (!ok) errors.push(`${s.name} is left to a flat lookup at load time but is not a Node-API symbol`);
    } else if (!allowed.includes(s.library)) {
      errors.push(`${s.name} binds to ${s.library}`);
    }
  }
  for (const name of slice.exportedSymbols) {
    if (!ALLOWED_EXPORTS.some((re) => re.test(name))) errors.push(`exports ${name} (expected only the Node-API entry points and operator new/delete)`);
  }
  if (!slice.exportedSymbols.includes('_napi_register_module_v1')) errors.push('does not export _napi_register_module_v1');
  return errors;
}

/** Read and check a file: thin for 'arm64' / 'x64', fat with both for 'universal'. */
export function checkAddonFile(path, { arch, minos, napiSymbols, allowLibcxx } = {}) {
  const parsed = parseMachO(readFileSync(path));
  const errors = [];
  if (arch === 'universal') {
    if (!parsed.fat) errors.push('not a universal (fat) file');
    for (const want of ['arm64', 'x64']) {
      const slice = parsed.slices.find((s) => s.arch === want);
      if (!slice) errors.push(`no ${want} slice`);
      else errors.push(...checkSlice(slice, { minos, napiSymbols, allowLibcxx }).map((e) => `${want}: ${e}`));
    }
  } else {
    if (parsed.fat) errors.push('is a universal file, expected a thin one');
    for (const s of parsed.slices) errors.push(...checkSlice(s, { arch, minos, napiSymbols, allowLibcxx }));
  }
  return { parsed, errors };
}

function summary(slice) {
  const byLib = new Map();
  for (const s of slice.undefinedSymbols) byLib.set(s.library, (byLib.get(s.library) ?? 0) + 1);
  const libs = [...byLib].map(([l, n]) => `${n} from ${l}`).join(', ');
  const bv = slice.buildVersion ? `minos ${slice.buildVersion.minos} sdk ${slice.buildVersion.sdk}` : 'no build version';
  return `${slice.arch}, ${bv}, ${slice.dylibs.length} dylibs, undefined: ${libs}; ${slice.exportedSymbols.length} exports`;
}

function main(argv) {
  let arch;
  let napiSymbols;
  let json = false;
  let allowLibcxx = false;
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--arch') arch = argv[++i];
    else if (a === '--napi-symbols') napiSymbols = loadNapiSymbols(argv[++i]);
    else if (a === '--json') json = true;
    else if (a === '--allow-libcxx') allowLibcxx = true;
    else files.push(a);
  }
  if (files.length === 0) {
    console.error('usage: node scripts/check-macho.js [--arch arm64|x64|universal] [--napi-symbols symbols.js] [--allow-libcxx] [--json] file...');
    process.exitCode = 2;
    return;
  }
  let failed = false;
  for (const f of files) {
    let result;
    try {
      result = checkAddonFile(f, { arch, napiSymbols, allowLibcxx });
    } catch (e) {
      result = { parsed: undefined, errors: [e.message] };
    }
    if (json) console.log(JSON.stringify({ file: f, ...result }, null, 2));
    else if (result.errors.length === 0) for (const s of result.parsed.slices) console.log(`check-macho: ${f}: ok (${summary(s)})`);
    if (result.errors.length > 0) {
      failed = true;
      for (const e of result.errors) console.error(`check-macho: ${f}: ${e}`);
    }
  }
  // exitCode, not exit(): a piped stdout is written asynchronously and would be cut short.
  process.exitCode = failed ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
