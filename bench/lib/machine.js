/** A description of the machine and runtime the numbers come from. */
import os from 'node:os';

export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpu_model: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    available_parallelism: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    cpu_mhz: cpus[0]?.speed ?? null,
    total_memory_mib: Math.round(os.totalmem() / 2 ** 20),
    os: `${os.type()} ${os.release()}`,
    platform: process.platform,
    arch: process.arch,
    node: process.version,
    v8: process.versions.v8,
    date: new Date().toISOString(),
    // Other work on the machine skews timings; the side-by-side sampling spreads it over
    // both columns, but absolute numbers from a loaded machine read high.
    loadavg_1m_at_start: Number(os.loadavg()[0].toFixed(2)),
  };
}
