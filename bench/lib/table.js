/** The human-readable table of results. */

function fmtNs(ns) {
  if (ns == null) return '—';
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e4) return `${(ns / 1e3).toFixed(1)} µs`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  if (ns >= 10) return `${ns.toFixed(0)} ns`;
  return `${ns.toFixed(2)} ns`;
}

function fmtSpread(s) {
  if (!s) return '';
  return `±${(s.rel_iqr * 50).toFixed(0)}%`;
}

function fmtRatio(r) {
  if (r == null) return '—';
  return r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2);
}

function metCell(row) {
  if (row.status === 'skipped') return 'skipped';
  if (row.status === 'error') return 'ERROR';
  if (row.met == null) return 'n/a';
  return row.met ? 'yes' : 'NO';
}

/** Rows as an aligned text table, followed by the notes. */
export function formatTable(rows, machine) {
  const head = ['benchmark', 'machport', 'spread', 'baseline', 'baseline', 'spread', 'ratio', 'target', 'met', 'ratio(cpu)'];
  const lines = rows.map((r) => [
    r.name,
    fmtNs(r.machport_ns),
    fmtSpread(r.spread?.machport),
    r.baseline ?? '',
    fmtNs(r.baseline_ns),
    fmtSpread(r.spread?.baseline),
    fmtRatio(r.ratio),
    r.target,
    metCell(r),
    fmtRatio(r.ratio_cpu),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  const fmt = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd();
  const out = [];
  if (machine) {
    out.push(`machine: ${machine.cpu_model}, ${machine.cores} cores, ${machine.os} ${machine.arch}, Node ${machine.node}`);
    out.push(`load average (1 min): ${machine.loadavg_1m_at_start} at start, ${machine.loadavg_1m_at_end ?? '?'} at end`);
    out.push('');
  }
  out.push(fmt(head));
  out.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) out.push(fmt(l));
  out.push('');
  out.push('ratio: compare rows = baseline / machport (higher is better); scale rows = large size / small size (lower is better).');
  out.push('times are medians per operation; spread = ± half the interquartile range, relative to the median.');
  out.push('ratio(cpu): the same ratio from CPU time per operation (user + system of this process), for a machine shared with other work; met uses the wall-clock ratio.');
  const notes = rows.filter((r) => r.note || r.extra?.summary);
  if (notes.length) {
    out.push('');
    for (const r of notes) {
      if (r.note) out.push(`- ${r.name}: ${r.note}`);
      if (r.extra?.summary) out.push(`- ${r.name}: ${r.extra.summary}`);
    }
    out.push('(--json has every sample and the details)');
  }
  return out.join('\n');
}

/** Rows as a Markdown table (for docs/PERFORMANCE.md), with the machine line. */
export function formatMarkdown(rows, machine, mode) {
  const out = [];
  if (machine) {
    out.push(
      `Machine: ${machine.cpu_model}, ${machine.cores} cores (${machine.available_parallelism} available), ${machine.total_memory_mib} MiB, ${machine.os} ${machine.arch}; Node ${machine.node} (V8 ${machine.v8}); ${mode} mode; ${machine.date}; load average ${machine.loadavg_1m_at_start} at start, ${machine.loadavg_1m_at_end ?? '?'} at end.`,
    );
    out.push('');
  }
  out.push('| benchmark | machport | spread | baseline | baseline time | spread | ratio | target | met | ratio (CPU time) |');
  out.push('|---|---:|---:|---|---:|---:|---:|---|---|---:|');
  for (const r of rows) {
    out.push(
      `| ${r.name} | ${fmtNs(r.machport_ns)} | ${fmtSpread(r.spread?.machport)} | ${r.baseline ?? ''} | ${fmtNs(r.baseline_ns)} | ${fmtSpread(r.spread?.baseline)} | ${fmtRatio(r.ratio)} | ${r.target.replace('>=', '≥').replace('<=', '≤')} | ${metCell(r)} | ${fmtRatio(r.ratio_cpu)} |`,
    );
  }
  const notes = rows.filter((r) => r.note || r.extra?.summary);
  if (notes.length) {
    out.push('');
    for (const r of notes) {
      if (r.note) out.push(`- ${r.name}: ${r.note}`);
      if (r.extra?.summary) out.push(`- ${r.name}: ${r.extra.summary}`);
    }
  }
  return out.join('\n');
}
