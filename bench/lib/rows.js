/**
 * Result rows. Every row has the fields of the JSON output:
 *   name, machport_ns, baseline, baseline_ns, ratio, target, met
 * plus kind, status, note, spread and the raw samples, so every ratio can be recomputed
 * from the measured numbers.
 *
 * - kind 'compare': machport_ns and baseline_ns are medians of ns per operation;
 *   ratio = baseline_ns / machport_ns (higher is better); met iff ratio >= target.
 * - kind 'scale': machport_ns is the median cost at the large size, baseline_ns the
 *   median cost at the small size (the same machport operation); ratio =
 *   machport_ns / baseline_ns (lower is better); met iff ratio <= target.
 * ratio_cpu is the same ratio computed from the median CPU time per operation (this
 * process's user + system time) instead of wall time: on a machine shared with other
 * work it shows what the ratio is when this process is not starved. null when a body
 * timed only part of itself (then CPU time would cover more than the timed part).
 * The verdict (met) is always taken from the wall-clock ratio.
 * status: 'measured' | 'baseline-only' (machport side not measurable yet) |
 *   'not-measurable' | 'skipped' (not applicable on this platform) | 'error'.
 */

function spreadOf(m) {
  return m ? { q1: m.q1, q3: m.q3, min: m.min, max: m.max, rel_iqr: m.rel_iqr, n: m.n, cpu_median: m.cpu_median ?? null } : null;
}

/** A comparison row (machport vs a baseline, ratio = baseline / machport, target ≥). */
export function compareRow({ name, baseline, target, machport, base, note, unmeasurable, extra }) {
  const machport_ns = machport ? machport.median : null;
  const baseline_ns = base ? base.median : null;
  const ratio = machport_ns != null && baseline_ns != null ? baseline_ns / machport_ns : null;
  const mc = machport?.cpu_median ?? null;
  const bc = base?.cpu_median ?? null;
  return {
    name,
    kind: 'compare',
    machport_ns,
    baseline,
    baseline_ns,
    ratio,
    ratio_cpu: mc != null && bc != null && mc > 0 ? bc / mc : null,
    target: `>= ${target}`,
    target_value: target,
    met: ratio == null ? null : ratio >= target,
    status: ratio != null ? 'measured' : base ? 'baseline-only' : 'not-measurable',
    note: note ?? (unmeasurable ? `machport side not measurable: ${unmeasurable}` : undefined),
    spread: { machport: spreadOf(machport), baseline: spreadOf(base) },
    samples: { machport: machport?.samples ?? null, baseline: base?.samples ?? null },
    ...(extra ? { extra } : {}),
  };
}

/** A scale row (same machport operation at a small and a large size, ratio = large / small, target ≤). */
export function scaleRow({ name, baseline, target, small, large, note, unmeasurable, extra }) {
  const machport_ns = large ? large.median : null;
  const baseline_ns = small ? small.median : null;
  const ratio = machport_ns != null && baseline_ns != null ? machport_ns / baseline_ns : null;
  const lc = large?.cpu_median ?? null;
  const sc = small?.cpu_median ?? null;
  return {
    name,
    kind: 'scale',
    machport_ns,
    baseline,
    baseline_ns,
    ratio,
    ratio_cpu: lc != null && sc != null && sc > 0 ? lc / sc : null,
    target: `<= ${target}`,
    target_value: target,
    met: ratio == null ? null : ratio <= target,
    status: ratio != null ? 'measured' : 'not-measurable',
    note: note ?? (unmeasurable ? `not measurable: ${unmeasurable}` : undefined),
    spread: { machport: spreadOf(large), baseline: spreadOf(small) },
    samples: { machport: large?.samples ?? null, baseline: small?.samples ?? null },
    ...(extra ? { extra } : {}),
  };
}

/** A row that does not apply here (platform), with the reason. */
export function skippedRow({ name, kind = 'compare', baseline, target, reason }) {
  return {
    name,
    kind,
    machport_ns: null,
    baseline,
    baseline_ns: null,
    ratio: null,
    ratio_cpu: null,
    target: `${kind === 'scale' ? '<=' : '>='} ${target}`,
    target_value: target,
    met: null,
    status: 'skipped',
    note: reason,
    spread: { machport: null, baseline: null },
    samples: { machport: null, baseline: null },
  };
}

/** A row whose case threw: no numbers, the error as the note. */
export function errorRow({ name, kind = 'compare', baseline, target, error }) {
  return {
    ...skippedRow({ name, kind, baseline, target, reason: '' }),
    status: 'error',
    note: `error: ${error && error.stack ? String(error.stack).split('\n').slice(0, 3).join(' | ') : String(error)}`,
  };
}
