/**
 * The emulator's direct inspection (`inspectEmulatedTasks`, what inspectTask and
 * inspectAll use) against the raw view it replaced (`readEmulatedSpace` of every task,
 * then `assembleInspections`), and its streaming form `inspectTaskPorts`: the same
 * records, peers and holders, for the demo scene
 * and for spaces left by random right operations and messages (the fuzz world: rights
 * across tasks, lazily dead names, requests, sets, in-transit receive rights).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EmulatedTask, Kernel } from '../../lib/emulator/index.js';
import { assembleInspections } from '../../lib/inspect/assemble.js';
import { buildLsmpDemoScene } from '../../lib/inspect/demo-scene.js';
import { emulatedTasksOf, inspectEmulatedTasks, readEmulatedSpace } from '../../lib/inspect/emulator.js';
import { inspectTask, inspectTaskPorts } from '../../lib/inspect/inspect.js';
import type { PortTable } from '../../lib/inspect/table.js';
import type { PortEntry } from '../../lib/inspect/types.js';
import { argsFor, rightOpArb, runRightOp } from '../fuzz/ops.js';
import { withWorld } from '../fuzz/world.js';

function bothWays(kernel: Kernel, extra: EmulatedTask[] = []): void {
  const tasks = [...emulatedTasksOf(kernel), ...extra];
  const direct = inspectEmulatedTasks(tasks);
  const raw = assembleInspections(tasks.map((t) => readEmulatedSpace(t)));
  expect(direct).toEqual(raw);
  // One task alone (peers: false): receivers in other tasks are known only by the kernel.
  for (const [i, t] of tasks.entries()) {
    expect(inspectEmulatedTasks([t])[0]).toEqual(assembleInspections([readEmulatedSpace(t)])[0]);
    expect(inspectEmulatedTasks(tasks, [i])[0]).toEqual(raw[i]);
    // The streaming form lists the same records.
    const streamed = [...inspectTaskPorts(t)];
    const inspection = inspectTask(t);
    expect(streamed).toEqual(inspection.ports);
    expect([...inspectTaskPorts(t, { peers: false })]).toEqual(inspectTask(t, { peers: false }).ports);
    // The table the records were built from holds the same rows, however they are read.
    sameRows(inspectTask(t).table!, streamed);
    sameRows(raw[i]!.table!, raw[i]!.ports);
  }
}

/** `table` read row by row, by iteration and by column equals `ports`. */
function sameRows(table: PortTable, ports: PortEntry[]): void {
  expect(table.length).toBe(ports.length);
  expect([...table]).toEqual(ports);
  expect(table.toArray()).toEqual(ports);
  expect(Array.from(table.names)).toEqual(ports.map((p) => p.name));
  expect(Array.from(table.types)).toEqual(ports.map((p) => p.type));
  expect(Array.from(table.urefs)).toEqual(ports.map((p) => p.urefs));
  expect(Array.from(table.objects)).toEqual(ports.map((p) => p.object));
  ports.forEach((p, i) => {
    expect(table.entry(i)).toEqual(p);
    expect(table.indexOf(p.name)).toBe(i);
  });
}

describe('inspectEmulatedTasks', () => {
  it('matches the raw view on the lsmp demo scene', async () => {
    const scene = await buildLsmpDemoScene();
    bothWays(scene.kernel);
  });

  it('matches the raw view after random right operations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(rightOpArb, { minLength: 1, maxLength: 12 }), async (ops) => {
        await withWorld(async (w) => {
          for (const [n, op] of ops.entries()) {
            const t = w.tasks[op.task]!;
            await runRightOp(w, t, op, argsFor(w, t, op), n);
          }
          bothWays(w.k);
          // A terminated task (its space empty), inspected among the live ones.
          const gone = w.tasks[2]!;
          gone.terminate();
          bothWays(w.k, [gone]);
        });
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});
