/**
 * Emulator bugs found by the fuzz and fault-injection work, recorded in FINDINGS.md for
 * the emulator core (which owns lib/emulator/ while its STATUS.md says `core: ready`).
 * An open finding is written as `it.fails`: the test states what XNU does and passes
 * only while the emulator still gets it wrong. When a fix lands, the `it.fails` starts
 * failing — turn it into a plain `it` (a regression test) and mark the finding fixed.
 */
import { describe, expect, it } from 'vitest';
import { MachError } from '../../lib/errors.js';
import { C, expectPending, give, kernelWith, message, receiveRight, self, send, tick } from './helpers.js';

describe('F1 (fixed): mach_msg timeouts of 2^31 ms and more', () => {
  // mach_msg_timeout_t is a uint32 of milliseconds (xnu:osfmk/mach/message.h); XNU waits
  // the whole time. Node's setTimeout turns any delay above 2^31 − 1 into 1 ms; the
  // emulator now arms such timers in steps.
  it('a receive with MACH_RCV_TIMEOUT and timeout 0x80000000 is still waiting after 50 ms', async () => {
    const { a } = kernelWith('a');
    const p = receiveRight(a);
    const r = a.mach_msg(undefined, C.MACH_RCV_MSG | C.MACH_RCV_TIMEOUT, p, 0x80000000);
    r.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expectPending(r);
    a.terminate();
  });

  it('a blocked send with MACH_SEND_TIMEOUT and timeout 0xffffffff is still waiting after 50 ms', async () => {
    const { a, b } = kernelWith('a', 'b');
    const p = receiveRight(b, { qlimit: 1 });
    const sp = give(b, p, a);
    await send(a, message(sp, C.MACH_MSG_TYPE_COPY_SEND));
    const s = send(a, message(sp, C.MACH_MSG_TYPE_COPY_SEND), C.MACH_SEND_TIMEOUT, 0xffffffff);
    s.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expectPending(s);
    a.terminate();
  });
});

describe('F2 (fixed): a kernel call after a send-once notification landed on the MIG reply port', () => {
  /** Run `fn`, failing (instead of spinning forever) if the kernel destroys more than 10,000 messages in it. */
  function bounded<T>(k: { destroyKmsg: (m: never) => void }, fn: () => T): T {
    const original = k.destroyKmsg.bind(k);
    let n = 0;
    k.destroyKmsg = (m: never) => {
      if (++n > 10_000) throw new Error('the kernel destroyed 10,000 messages in one call: it loops');
      original(m);
    };
    try {
      return fn();
    } finally {
      k.destroyKmsg = original;
    }
  }

  // bootstrap_register with a name that holds no send right fails in the body
  // (MACH_SEND_INVALID_RIGHT) after the header's MAKE_SEND_ONCE reply right was made, so
  // the kernel sends MACH_NOTIFY_SEND_ONCE to the task's MIG reply port (S70). The next
  // kernel call (EmulatedTask.kernelCall) used to drop stale messages with destroyKmsg,
  // which destroyed the notification's send-once destination right and so queued a new
  // send-once notification on the same port: an endless loop. In XNU a received
  // message's destination right is consumed silently at copy-out
  // (xnu:osfmk/ipc/ipc_object.c:ipc_object_copyout_dest); only destroying an undelivered
  // message notifies (ipc_object_destroy_dest → ipc_notify_send_once_and_unlock).
  it('bootstrap_look_up after a failed bootstrap_register returns (BOOTSTRAP_UNKNOWN_SERVICE) instead of looping', () => {
    const { k, a } = kernelWith('a');
    const p = receiveRight(a); // a receive right without a send right: COPY_SEND of it is invalid
    expect(() => a.bootstrap_register(a.bootstrap_port, 'com.example.f2', p)).toThrow(MachError);
    let err: unknown;
    try {
      bounded(k as never, () => a.bootstrap_look_up(a.bootstrap_port, 'com.example.f2'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MachError);
    expect((err as MachError).code).toBe('BOOTSTRAP_UNKNOWN_SERVICE');
    k.checkInvariants();
  });

  it('failed kernel calls, over and over, leave no reply port or notification behind', async () => {
    const { k, baseline, a } = kernelWith('a');
    const p = receiveRight(a);
    const host = a.mach_host_self();
    const before = a.mach_port_names(self(a)).names.length;
    for (let i = 0; i < 200; i++) {
      expect(() => a.bootstrap_register(a.bootstrap_port, `com.example.f2.${i}`, p)).toThrow(MachError);
      expect(() => a.bootstrap_look_up(a.bootstrap_port, `com.example.f2.${i}`)).toThrow(MachError);
      expect(a.host_info(host, C.HOST_BASIC_INFO).max_cpus).toBeGreaterThan(0);
    }
    // At most the one MIG reply port the task keeps between calls.
    expect(a.mach_port_names(self(a)).names.length).toBeLessThanOrEqual(before + 1);
    k.checkInvariants();
    await tick();
    a.terminate();
    k.checkInvariants();
    expect(k.ports.size).toBe(baseline);
  });
});
