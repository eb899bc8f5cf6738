// Types for scripts/check-macho.js (a plain ESM script so it runs without a build step).

export interface DylibLoad {
  command: string;
  name: string;
  currentVersion: string;
  compatibilityVersion: string;
}

export interface ImportedSymbol {
  name: string;
  /** dyld's ordinal: > 0 a dylib (1-based), 0 self, -1 the executable, -2 flat lookup. */
  ordinal: number;
  library: string;
  weak: boolean;
  nlistOrdinal: number;
  bound: boolean;
}

export interface MachOSlice {
  cputype: number;
  arch: string;
  filetype: number;
  flags: number;
  twoLevel: boolean;
  idDylib?: string;
  dylibs: DylibLoad[];
  buildVersion?: { platform: number; minos: string; sdk: string };
  bindSource: 'LC_DYLD_INFO' | 'LC_DYLD_CHAINED_FIXUPS' | 'nlist';
  binds: Array<{ name: string; ordinal: number; weakImport: boolean; kind: string }>;
  undefinedSymbols: ImportedSymbol[];
  exportedSymbols: string[];
}

export interface CheckOptions {
  arch?: 'arm64' | 'x64' | 'universal';
  minos?: string;
  napiSymbols?: Set<string>;
  allowLibcxx?: boolean;
}

export const CPU_TYPE_X86_64: number;
export const CPU_TYPE_ARM64: number;
export const MH_DYLIB: number;
export const MH_BUNDLE: number;
export const ALLOWED_DYLIBS: string[];
export const LIBCXX_DYLIB: string;
export function archName(cputype: number): string;
export function parseThin(buf: Buffer, base?: number, size?: number): MachOSlice;
export function parseMachO(buf: Buffer): { fat: boolean; slices: MachOSlice[] };
export function loadNapiSymbols(symbolsJsPath: string): Set<string>;
export function checkSlice(slice: MachOSlice, options?: Omit<CheckOptions, 'arch'> & { arch?: string }): string[];
export function checkAddonFile(path: string, options?: CheckOptions): { parsed: { fat: boolean; slices: MachOSlice[] }; errors: string[] };
