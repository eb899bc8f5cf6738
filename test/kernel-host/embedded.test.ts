/**
 * An embedded kernel host: this (test) process serves its own emulated kernel with
 * hostKernel(), its task local to that kernel, and other processes join it as they join
 * `machport kernel`. Mach semantics hold between the host's task and its clients as
 * between any two tasks of one kernel: messages and reply rights cross, audit tokens carry
 * the real pids, and a client killed with SIGKILL has its task terminated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostKernel, type HostedKernel } from '../../lib/kernel-host/embedded.js';
import { C, msg, notificationWord, port, recv, requestNotification, typeOf } from '../conformance/helpers.js';
import { requireDist, spawnFixture, tempSocketPath } from './helpers.js';

let hosted: HostedKernel;
let socket: string;

const AUDIT = C.MACH_RCV_TRAILER_TYPE(C.MACH_MSG_TRAILER_FORMAT_0) | C.MACH_RCV_TRAILER_ELEMENTS(C.MACH_RCV_TRAILER_AUDIT);

beforeAll(async () => {
  requireDist();
  socket = tempSocketPath('embedded');
  hosted = await hostKernel({ socket }, {});
});

afterAll(async () => {
  await hosted?.host.close();
});

describe('kernel host: embedded in the process that hosts it', () => {
  it("the host's own task calls a service in a client process, and the client is terminated when killed", async () => {
    const me = hosted.task;
    expect(me.pid).toBe(process.pid);
    const service = spawnFixture('echo-service.mjs', [socket, 'kh.embedded.echo']);
    await service.next((m) => m.ready === true);
    const svc = me.bootstrap_look_up(me.bootstrap_port, 'kh.embedded.echo');
    const reply = port(me);
    for (let i = 0; i < 3; i++) {
      const r = await me.mach_msg(
        msg(svc, C.MACH_MSG_TYPE_COPY_SEND, { reply, replyDisp: C.MACH_MSG_TYPE_MAKE_SEND_ONCE, id: 1000 + i, body: new Uint8Array([1, 2, 3, i]) }),
        C.MACH_SEND_MSG | C.MACH_RCV_MSG | AUDIT,
        reply,
      );
      expect(r!.header.msgh_id).toBe(1100 + i);
      expect(Array.from(r!.body.subarray(0, 4))).toEqual([1, 2, 3, i]);
      // The service saw this process's pid; the reply's trailer names the service's.
      expect(new Uint32Array(r!.body.slice(4).buffer)[0]).toBe(process.pid);
      expect(r!.trailer.audit.pid).toBe(service.pid);
    }
    const notify = port(me);
    requestNotification(me, svc, C.MACH_NOTIFY_DEAD_NAME, notify);
    service.kill('SIGKILL');
    await service.exited;
    // The host learns of the death when it reads the client's socket closing, which a
    // loaded machine may deliver well after the exit itself: not the 2 s default.
    const n = await recv(me, notify, { timeout: 30_000 });
    expect(n.header.msgh_id).toBe(C.MACH_NOTIFY_DEAD_NAME);
    expect(notificationWord(n)).toBe(svc);
    expect(typeOf(me, svc) & C.MACH_PORT_TYPE_DEAD_NAME).not.toBe(0);
    me.kernel.checkInvariants();
  });

  it('refuses a log that is not a function with a TypeError, before listening', async () => {
    await expect(hostKernel({ socket: tempSocketPath('embedded-bad-log'), log: 'yes' as unknown as () => void }, {})).rejects.toThrow(TypeError);
  });

  it('refuses when this process is itself a client of another kernel host', async () => {
    await expect(hostKernel({ socket: tempSocketPath('embedded-refused') }, { MACHPORT_KERNEL: '/elsewhere.sock' })).rejects.toThrow(/MACHPORT_KERNEL/);
  });
});
