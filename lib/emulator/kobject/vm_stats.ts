/**
 * The emulated host's VM statistics (what XNU's vm_stats fills for HOST_VM_INFO64), taken
 * from the machine Node runs on, counted in the emulated host's pages.
 *
 * On Linux the counters come from /proc/meminfo and /proc/vmstat, mapped to the closest
 * Darwin meaning: free ← MemFree; active/inactive ← Active/Inactive; wired ← memory the
 * kernel cannot page out (Unevictable, SUnreclaim, KernelStack, PageTables); external /
 * internal (file-backed / anonymous) ← the (file) / (anon) LRU lists; faults ← pgfault;
 * pageins/pageouts ← pgpgin/pgpgout (KiB); swapins/swapouts ← pswpin/pswpout;
 * reactivations ← pgactivate. Darwin-only counters (zero fill, copy-on-write, object cache,
 * purgeable, speculative, compressor) are 0. Elsewhere only free memory is known: the rest
 * of memory is reported active.
 * @module
 */
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import type { vm_statistics64 } from '../../types.js';
import type { MachineInfo } from './machine_info.js';

/** Parse "Key: value [kB]" or "key value" lines into a map of numbers. */
function readCounters(path: string): Map<string, number> | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([\w()]+):?\s+(\d+)/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

/** vm_statistics64 of the machine Node runs on, in units of `machine.page_size`. */
export function vmStatistics64OfThisHost(machine: MachineInfo): vm_statistics64 {
  const page = machine.page_size;
  const pagesOfKiB = (kib: number | undefined): number => Math.floor(((kib ?? 0) * 1024) / page) >>> 0;
  const count64 = (n: number | undefined): bigint => BigInt(Math.max(0, Math.floor(n ?? 0)));
  const stats: vm_statistics64 = {
    free_count: 0,
    active_count: 0,
    inactive_count: 0,
    wire_count: 0,
    zero_fill_count: 0n,
    reactivations: 0n,
    pageins: 0n,
    pageouts: 0n,
    faults: 0n,
    cow_faults: 0n,
    lookups: 0n,
    hits: 0n,
    purges: 0n,
    purgeable_count: 0,
    speculative_count: 0,
    decompressions: 0n,
    compressions: 0n,
    swapins: 0n,
    swapouts: 0n,
    compressor_page_count: 0,
    throttled_count: 0,
    external_page_count: 0,
    internal_page_count: 0,
    total_uncompressed_pages_in_compressor: 0n,
  };
  const mem = readCounters('/proc/meminfo');
  if (mem?.has('MemFree')) {
    const g = (k: string): number => mem.get(k) ?? 0;
    stats.free_count = pagesOfKiB(g('MemFree'));
    stats.active_count = pagesOfKiB(g('Active'));
    stats.inactive_count = pagesOfKiB(g('Inactive'));
    stats.wire_count = pagesOfKiB(g('Unevictable') + g('SUnreclaim') + g('KernelStack') + g('PageTables'));
    stats.external_page_count = pagesOfKiB(g('Active(file)') + g('Inactive(file)'));
    stats.internal_page_count = pagesOfKiB(g('Active(anon)') + g('Inactive(anon)'));
    const vm = readCounters('/proc/vmstat');
    if (vm) {
      stats.faults = count64(vm.get('pgfault'));
      stats.pageins = count64(((vm.get('pgpgin') ?? 0) * 1024) / page);
      stats.pageouts = count64(((vm.get('pgpgout') ?? 0) * 1024) / page);
      stats.swapins = count64(vm.get('pswpin'));
      stats.swapouts = count64(vm.get('pswpout'));
      stats.reactivations = count64(vm.get('pgactivate'));
    }
  } else {
    const free = os.freemem();
    stats.free_count = Math.floor(free / page) >>> 0;
    stats.active_count = Math.floor(Math.max(0, os.totalmem() - free) / page) >>> 0;
  }
  return stats;
}
