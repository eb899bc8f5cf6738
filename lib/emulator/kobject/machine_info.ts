/**
 * The emulated host's machine facts (XNU's `machine_info` plus the boot CPU's slot type),
 * taken from the machine Node runs on, shaped the way XNU reports them for that
 * architecture: arm64 → CPU_TYPE_ARM64 with 16 KiB pages, x64 → CPU_TYPE_X86_64 with 4 KiB
 * pages. Darwin has no other architectures; anything else is reported as arm64.
 * @module
 */
import * as os from 'node:os';
import {
  CPU_SUBTYPE_ARM64_ALL,
  CPU_SUBTYPE_X86_64_ALL,
  CPU_TYPE_ARM64,
  CPU_TYPE_X86_64,
} from '../../constants.js';
import type { host_basic_info } from '../../types.js';

/** What host_info and host_page_size report, and what vm statistics count pages in. */
export interface MachineInfo {
  /** 'arm64' or 'x86_64': decides cpu_type, page size and a few XNU per-arch rules. */
  readonly arch: 'arm64' | 'x86_64';
  readonly cpu_type: number;
  readonly cpu_subtype: number;
  /** CPU_THREADTYPE_NONE (0): the emulator does not model SMT. */
  readonly cpu_threadtype: number;
  readonly max_cpus: number;
  readonly avail_cpus: number;
  readonly physical_cpu: number;
  readonly physical_cpu_max: number;
  readonly logical_cpu: number;
  readonly logical_cpu_max: number;
  /** Physical memory in bytes (host_basic_info.max_mem). */
  readonly max_mem: bigint;
  /** The kernel's PAGE_SIZE (host_page_size): 16384 on arm64, 4096 on x86_64. */
  readonly page_size: number;
}

/** 2 GiB: the value x86_64 XNU pins memory_size to (xnu:osfmk/i386/i386_vm_init.c:i386_vm_init). */
const TWO_GIB = 0x80000000n;

/**
 * The machine facts of the computer Node runs on.
 * CPU counts are os.availableParallelism(); Linux does not tell physical from logical
 * cores to Node, so physical and logical counts are the same number.
 */
export function machineInfoOfThisHost(): MachineInfo {
  const arch = process.arch === 'x64' ? 'x86_64' : 'arm64';
  const cpus = Math.max(1, os.availableParallelism());
  return {
    arch,
    cpu_type: arch === 'x86_64' ? CPU_TYPE_X86_64 : CPU_TYPE_ARM64,
    cpu_subtype: arch === 'x86_64' ? CPU_SUBTYPE_X86_64_ALL : CPU_SUBTYPE_ARM64_ALL,
    cpu_threadtype: 0,
    max_cpus: cpus,
    avail_cpus: cpus,
    physical_cpu: cpus,
    physical_cpu_max: cpus,
    logical_cpu: cpus,
    logical_cpu_max: cpus,
    max_mem: BigInt(os.totalmem()),
    page_size: arch === 'x86_64' ? 4096 : 16384,
  };
}

/**
 * host_basic_info as XNU fills it from machine_info (xnu:osfmk/kern/host.c:host_info).
 * memory_size is a 32-bit field: x86_64 XNU pins it at 2 GiB
 * (xnu:osfmk/i386/i386_vm_init.c:i386_vm_init), arm64 XNU stores the byte count cast to
 * uint32_t, i.e. modulo 4 GiB (xnu:osfmk/arm/machine_routines_common.c:machine_conf, whose
 * comment admits the cap is missing). On x86_64 logical_cpu is avail_cpus.
 */
export function hostBasicInfoOf(m: MachineInfo): host_basic_info {
  const memory_size =
    m.arch === 'x86_64'
      ? Number(m.max_mem < TWO_GIB ? m.max_mem : TWO_GIB)
      : Number(BigInt.asUintN(32, m.max_mem));
  return {
    max_cpus: m.max_cpus,
    avail_cpus: m.avail_cpus,
    memory_size,
    cpu_type: m.cpu_type,
    cpu_subtype: m.cpu_subtype,
    cpu_threadtype: m.cpu_threadtype,
    physical_cpu: m.physical_cpu,
    physical_cpu_max: m.physical_cpu_max,
    logical_cpu: m.arch === 'x86_64' ? m.avail_cpus : m.logical_cpu,
    logical_cpu_max: m.logical_cpu_max,
    max_mem: m.max_mem,
  };
}
