/**
 * The send path keeps reused records between sends (lib/emulator/mach-msg.ts: the parsed
 * message and its validated descriptors). Whatever way a send ends, those records must
 * not keep the caller's buffers alive afterwards. Each case runs the compiled emulator in
 * a child process started with --expose-gc and watches the buffers through WeakRefs.
 */
import { expect, it } from 'vitest';
import { runWithTask } from './child-task.js';

/** `turn()`: one trip through the event loop; `collect()`: three turns, each followed by a full GC. Rejects when the child fails. */
async function run(body: string): Promise<{ stdout: string; stderr: string }> {
  const r = await runWithTask(`
    const turn = () => new Promise((r) => setTimeout(r, 0));
    const collect = async () => {
      for (let i = 0; i < 3; i++) {
        await turn();
        globalThis.gc();
      }
    };
    ${body}
  `, ['--expose-gc']);
  if (r.code !== 0) throw new Error(`the child exited with ${r.code}\n${r.stderr}`);
  return r;
}

it('a failed send (bad shape, bad descriptor type, bad destination, bad descriptor right) keeps none of the caller’s buffers alive', async () => {
  const r = await run(`
    const complex = (C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, 0) | C.MACH_MSGH_BITS_COMPLEX) >>> 0;
    const cases = {
      typeError: (data) => [p, [{ type: 1, data }, { type: 0, name: 'x', disposition: C.MACH_MSG_TYPE_COPY_SEND }]],
      invalidType: (data) => [p, [{ type: 1, data }, { type: 99 }]],
      invalidDest: (data) => [0x9903, [{ type: 1, data }]],
      invalidRight: (data) => [p, [{ type: 1, data }, { type: 0, name: 0x9903, disposition: C.MACH_MSG_TYPE_COPY_SEND }]],
    };
    // One case at a time, collected before the next send could overwrite what it left.
    for (const [kind, make] of Object.entries(cases)) {
      const refs = await (async () => {
        const data = new Uint8Array(1 << 20);
        const body = new Uint8Array(256);
        const [dest, descriptors] = make(data);
        const outcome = await t.mach_msg({ header: { msgh_bits: complex, msgh_remote_port: dest, msgh_id: 1 }, descriptors, body }, C.MACH_SEND_MSG).then(
          () => 'sent',
          (e) => e.code ?? e.name,
        );
        console.log(kind, outcome);
        return [new WeakRef(data), new WeakRef(body)];
      })();
      await collect();
      console.log(kind, refs[0].deref() === undefined ? 'data freed' : 'data kept', refs[1].deref() === undefined ? 'body freed' : 'body kept');
    }
  `);
  expect(r.stderr).toBe('');
  expect(r.stdout.trim().split('\n')).toEqual([
    'typeError TypeError',
    'typeError data freed body freed',
    'invalidType MACH_SEND_INVALID_TYPE',
    'invalidType data freed body freed',
    'invalidDest MACH_SEND_INVALID_DEST',
    'invalidDest data freed body freed',
    'invalidRight MACH_SEND_INVALID_RIGHT',
    'invalidRight data freed body freed',
  ]);
});

it('a kernel dropped after a send and a blocked receive is collected (the reused records keep none of its ports)', async () => {
  const r = await run(`
    async function use(mode) {
      const k = new Kernel();
      const u = k.createTask({ name: 'user' });
      const me = u.mach_task_self();
      const q = u.mach_port_allocate(me, C.MACH_PORT_RIGHT_RECEIVE);
      u.mach_port_insert_right(me, q, q, C.MACH_MSG_TYPE_MAKE_SEND);
      const received = mode === 'blocked receive' ? u.mach_msg(undefined, C.MACH_RCV_MSG, q) : undefined;
      await u.mach_msg({ header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, 0), msgh_remote_port: q, msgh_id: 1 } }, C.MACH_SEND_MSG);
      await received;
      u.terminate();
      return new WeakRef(k);
    }
    for (const mode of ['send', 'blocked receive']) {
      const ref = await use(mode);
      await collect();
      console.log(mode, ref.deref() === undefined ? 'kernel freed' : 'kernel kept');
    }
  `);
  expect(r.stderr).toBe('');
  expect(r.stdout.trim().split('\n')).toEqual(['send kernel freed', 'blocked receive kernel freed']);
});

it('a received message is not kept alive by the kernel once its receiver drops it (a queued message, and one a blocked receive got)', async () => {
  const r = await run(`
    const complex = (C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, 0) | C.MACH_MSGH_BITS_COMPLEX) >>> 0;
    const send = () => t.mach_msg(
      { header: { msgh_bits: complex, msgh_remote_port: p, msgh_id: 7 }, descriptors: [{ type: C.MACH_MSG_OOL_DESCRIPTOR, data: new Uint8Array(1 << 20), copy: C.MACH_MSG_VIRTUAL_COPY }] },
      C.MACH_SEND_MSG,
    );
    for (const mode of ['queued', 'blocked']) {
      const ref = await (async () => {
        let got;
        if (mode === 'queued') {
          await send();
          got = await t.mach_msg(undefined, C.MACH_RCV_MSG, p);
        } else {
          const pending = t.mach_msg(undefined, C.MACH_RCV_MSG, p);
          await send();
          got = await pending;
        }
        return [new WeakRef(got), new WeakRef(got.descriptors[0].data)];
      })();
      await collect();
      console.log(mode, ref[0].deref() === undefined ? 'message freed' : 'message kept', ref[1].deref() === undefined ? 'region freed' : 'region kept');
    }
  `);
  expect(r.stderr).toBe('');
  expect(r.stdout.trim().split('\n')).toEqual(['queued message freed region freed', 'blocked message freed region freed']);
});
