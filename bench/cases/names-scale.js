/**
 * names-scale: per-name cost of listing a task's names at 100,000 names vs 1,000.
 *
 * Two tasks, each in its own Kernel (lsmp resolves peers across every task of a kernel,
 * so a shared kernel would make the small inspection read the large task too): one
 * holding 1,000 names, one holding 100,000 (receive rights allocated until
 * mach_port_names reports that many, counting the names every task starts with). Rows:
 *   names-scale       mach_port_names(task): ns per call / names returned.
 *   names-scale-lsmp  the lsmp inspection (inspectTask(task), peers resolved as lsmp
 *                     does) of the same tasks: ns per call / names in the task. Reported as not measurable while no module in
 *                     dist/ exports inspectTask.
 * ratio = per-name cost at 100,000 / per-name cost at 1,000.
 */
import { measureSideBySide } from '../lib/measure.js';
import { loadEmulator, loadInspectTask, Unavailable } from '../lib/machport.js';
import { scaleRow } from '../lib/rows.js';

export const meta = [
  { name: 'names-scale', kind: 'scale', baseline: 'mach_port_names at 1,000 names', target: 1.5 },
  { name: 'names-scale-lsmp', kind: 'scale', baseline: 'inspectTask at 1,000 names', target: 1.5 },
];

function fillTask(t, C, want) {
  const self = t.mach_task_self();
  let have = t.mach_port_names(self).names.length;
  while (have < want) {
    t.mach_port_allocate(self, C.MACH_PORT_RIGHT_RECEIVE);
    have++;
  }
  const count = t.mach_port_names(self).names.length;
  if (count !== want) throw new Error(`task holds ${count} names, wanted ${want}`);
  return count;
}

/** inspectTask(task) as a thunk, after checking once that it lists every name of the task. */
function inspector(inspectTask, task, names) {
  let r;
  try {
    r = inspectTask(task);
  } catch (e) {
    throw new Unavailable(`lsmp inspection: inspectTask(task) failed on this build: ${e && e.message ? e.message : e}`);
  }
  const listed = r && Array.isArray(r.ports) ? r.ports.length : -1;
  if (listed !== names) throw new Error(`inspectTask listed ${listed} names of a task holding ${names}`);
  return () => inspectTask(task);
}

export async function run(cfg) {
  const [mNames, mLsmp] = meta;
  const small = cfg.mode === 'tiny' ? 100 : 1_000;
  const large = cfg.mode === 'tiny' ? 2_000 : 100_000;
  let fx;
  try {
    const { Kernel, C } = await loadEmulator();
    const ka = new Kernel();
    const kb = new Kernel();
    const a = ka.createTask({ name: 'names-small' });
    const b = kb.createTask({ name: 'names-large' });
    fillTask(a, C, small);
    fillTask(b, C, large);
    fx = { a, b };
  } catch (e) {
    if (!(e instanceof Unavailable)) throw e;
    return [scaleRow({ ...mNames, unmeasurable: e.message }), scaleRow({ ...mLsmp, unmeasurable: e.message })];
  }
  const { a, b } = fx;
  const selfA = a.mach_task_self();
  const selfB = b.mach_task_self();
  let sink = 0;
  const names = await measureSideBySide(
    {
      small: { fn: (n) => { for (let i = 0; i < n; i++) sink += a.mach_port_names(selfA).names.length; }, perCall: small },
      large: { fn: (n) => { for (let i = 0; i < n; i++) sink += b.mach_port_names(selfB).names.length; }, perCall: large, max: 200 },
    },
    cfg,
  );
  const rows = [scaleRow({ ...mNames, small: names.small, large: names.large, extra: { small_names: small, large_names: large } })];

  try {
    const { inspectTask, module } = await loadInspectTask();
    const ia = inspector(inspectTask, a, small);
    const ib = inspector(inspectTask, b, large);
    const r = await measureSideBySide(
      {
        small: { fn: (n) => { for (let i = 0; i < n; i++) sink += ia().ports.length; }, perCall: small },
        large: { fn: (n) => { for (let i = 0; i < n; i++) sink += ib().ports.length; }, perCall: large, max: 200 },
      },
      cfg,
    );
    rows.push(scaleRow({ ...mLsmp, small: r.small, large: r.large, extra: { module, small_names: small, large_names: large } }));
  } catch (e) {
    if (!(e instanceof Unavailable)) throw e;
    rows.push(scaleRow({ ...mLsmp, unmeasurable: e.message }));
  }
  if (sink === -1) console.error(sink);
  return rows;
}
