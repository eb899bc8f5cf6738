/**
 * A blocked emulated mach_msg keeps Node's event loop alive, as a blocked mach_msg
 * keeps a Darwin thread waiting and as the native backend refs its receive loop
 * (lib/emulator/waiter.ts). Each case runs a small program of the compiled package in a
 * child process and looks at how it ends: the only thing that could deliver the message
 * is an unref'd timer, which by itself would let the process exit first.
 */
import { describe, expect, it } from 'vitest';
import { runWithTask } from './child-task.js';

/** `send(id)`: a simple message with `id` to `p`, through the task's send right. */
function run(body: string) {
  return runWithTask(`
    const send = (id) => t.mach_msg({ header: { msgh_bits: C.MACH_MSGH_BITS(C.MACH_MSG_TYPE_COPY_SEND, 0), msgh_remote_port: p, msgh_id: id } }, C.MACH_SEND_MSG);
    ${body}
  `);
}

describe('a blocked emulated mach_msg keeps the event loop alive', () => {
  it('a lone receive with no timeout waits for a message that only an unref’d timer sends, then the process ends by itself', async () => {
    const r = await run(`
      setTimeout(() => send(7), 100).unref();
      const m = await t.mach_msg({ header: {} }, C.MACH_RCV_MSG, p);
      console.log('received', m.header.msgh_id);
    `);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('received 7');
    expect(r.code).toBe(0);
  });

  it('a receive loop stays alive across messages; once it stops receiving the process exits', async () => {
    const r = await run(`
      let n = 0;
      const tick = setInterval(() => { send(++n); if (n === 3) clearInterval(tick); }, 20);
      tick.unref();
      const got = [];
      while (got.length < 3) got.push((await t.mach_msg({ header: {} }, C.MACH_RCV_MSG, p)).header.msgh_id);
      console.log(got.join(','));
    `);
    expect(r.stdout.trim()).toBe('1,2,3');
    expect(r.code).toBe(0);
  });

  it('a blocked send on a full queue also keeps the process alive until the receiver makes room', async () => {
    const r = await run(`
      t.mach_port_set_attributes(self, p, C.MACH_PORT_LIMITS_INFO, { mpl_qlimit: 1 });
      await send(1);
      setTimeout(() => t.mach_msg({ header: {} }, C.MACH_RCV_MSG, p), 100).unref();
      await send(2);
      const m = await t.mach_msg({ header: {} }, C.MACH_RCV_MSG, p);
      console.log('sent and received', m.header.msgh_id);
    `);
    expect(r.stdout.trim()).toBe('sent and received 2');
    expect(r.code).toBe(0);
  });

  it('a receive that is aborted or destroyed no longer holds the process: it exits with the error', async () => {
    const r = await run(`
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 50).unref();
      try {
        await t.mach_msg({ header: {} }, C.MACH_RCV_MSG, p, C.MACH_MSG_TIMEOUT_NONE, undefined, { signal: ac.signal });
      } catch (e) { console.log('first', e.name); }
      setTimeout(() => t.mach_port_mod_refs(self, p, C.MACH_PORT_RIGHT_RECEIVE, -1), 50).unref();
      try { await t.mach_msg({ header: {} }, C.MACH_RCV_MSG, p); } catch (e) { console.log('second', e.code); }
    `);
    expect(r.stdout.trim().split('\n')).toEqual(['first AbortError', 'second MACH_RCV_PORT_CHANGED']);
    expect(r.code).toBe(0);
  });

  it('an unresolvable wait with nothing else pending is not ended by the emulator: the process is still waiting when killed', async () => {
    const r = await run(`
      setTimeout(() => process.kill(process.pid, 'SIGTERM'), 300).unref();
      await t.mach_msg({ header: {} }, C.MACH_RCV_MSG, p);
      console.log('not reached');
    `);
    expect(r.stdout).toBe('');
    expect(r.code).toBeNull();
  });
});
