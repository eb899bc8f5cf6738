// Shared helpers of the rights tests: emulated tasks and exact views of a task's names.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect } from 'vitest';
import {
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MOVE_SEND,
  MACH_PORT_RIGHT_DEAD_NAME,
  MACH_PORT_RIGHT_SEND,
  MACH_PORT_RIGHT_SEND_ONCE,
  MACH_PORT_TYPE_DEAD_NAME,
  MACH_PORT_TYPE_SEND,
  MACH_PORT_TYPE_SEND_ONCE,
} from '../../lib/constants.js';
import { Kernel, type Port } from '../../lib/emulator/index.js';
import { LEAK_WARNING_CODE, ReceiveRight, SendRight } from '../../lib/rights/index.js';
import type { MachApi } from '../../lib/types.js';
import { MachError } from '../../lib/errors.js';

export interface World {
  kernel: Kernel;
  a: MachApi;
  b: MachApi;
}

/** A fresh kernel with two tasks. */
export function world(): World {
  const kernel = new Kernel();
  const a: MachApi = kernel.createTask({ name: 'a' });
  const b: MachApi = kernel.createTask({ name: 'b' });
  return { kernel, a, b };
}

/**
 * A send right to `receiver`'s port, made in the receiver's task and handed to `to` by
 * the kernel (as launchd would), owned by the returned object.
 */
export function sendRightFor(kernel: Kernel, receiver: ReceiveRight, to: MachApi): SendRight {
  const port = kernel.copyinRight(receiver.api as never, receiver.name, MACH_MSG_TYPE_MAKE_SEND) as Port;
  const name = kernel.copyoutRight(to as never, port, MACH_MSG_TYPE_MOVE_SEND);
  return SendRight.from(name, { api: to });
}

/** A service: a receive right in b and a send right to it in a. */
export function connect(w: World): { service: ReceiveRight; client: SendRight } {
  const service = ReceiveRight.allocate({ api: w.b });
  return { service, client: sendRightFor(w.kernel, service, w.a) };
}

/** The kernel's own consistency check, when the core provides one. */
export function checkInvariants(kernel: Kernel): void {
  expect(() => kernel.checkInvariants()).not.toThrow();
}

/** mach_port_get_refs, 0 when the name holds no such right (or is gone). */
export function refs(api: MachApi, name: number, right: number): number {
  try {
    return api.mach_port_get_refs(api.mach_task_self(), name, right);
  } catch {
    return 0;
  }
}

/** mach_port_type, or the MachError code when the name is not there. */
export function typeOf(api: MachApi, name: number): number | string {
  try {
    return api.mach_port_type(api.mach_task_self(), name);
  } catch (err) {
    if (err instanceof MachError) return err.code;
    throw err;
  }
}

/** Every name of a task with its type and user references, as sorted lines (an lsmp in miniature). */
export function space(api: MachApi): string[] {
  const { names, types } = api.mach_port_names(api.mach_task_self());
  return Array.from(names, (n, i) => {
    const t = types[i]! >>> 0;
    const urefs = [
      t & MACH_PORT_TYPE_SEND ? `s${refs(api, n, MACH_PORT_RIGHT_SEND)}` : '',
      t & MACH_PORT_TYPE_SEND_ONCE ? `o${refs(api, n, MACH_PORT_RIGHT_SEND_ONCE)}` : '',
      t & MACH_PORT_TYPE_DEAD_NAME ? `d${refs(api, n, MACH_PORT_RIGHT_DEAD_NAME)}` : '',
    ].join('');
    return `0x${n.toString(16)} type=0x${t.toString(16)} ${urefs}`;
  }).sort();
}

/** Let queued promise callbacks and timers run. */
export function tick(ms = 0): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Expect a MachError with the given symbolic code. */
export async function rejectsWith(p: Promise<unknown>, code: string): Promise<MachError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(MachError);
    expect((err as MachError).code).toBe(code);
    return err as MachError;
  }
  throw new Error(`expected a rejection with ${code}`);
}

/** Expect a synchronous MachError with the given code. */
export function throwsWith(fn: () => unknown, code: string): MachError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MachError);
    expect((err as MachError).code).toBe(code);
    return err as MachError;
  }
  throw new Error(`expected a throw with ${code}`);
}

/**
 * The garbage-collection safety net: `make` creates a right object and returns its name
 * without keeping the object; garbage is collected until that name is gone from `api`'s
 * space, and the leak warning must have been emitted.
 */
export async function expectReleasedWhenCollected(api: MachApi, make: () => number): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  const name = make();
  try {
    for (let i = 0; i < 50 && typeOf(api, name) !== 'KERN_INVALID_NAME'; i++) {
      gc();
      await tick(5);
    }
    expect(typeOf(api, name)).toBe('KERN_INVALID_NAME');
    await tick(5);
    expect(warnings.some((w) => (w as { code?: string }).code === LEAK_WARNING_CODE)).toBe(true);
  } finally {
    process.off('warning', onWarning);
  }
}
