// Shared helpers of the libnotify tests (root, kernel-host and native): polling a
// registration's port, and the error a call throws.
import { expect } from 'vitest';
import { MACH_RCV_MSG, MACH_RCV_TIMED_OUT, MACH_RCV_TIMEOUT } from '../../lib/constants.js';
import { MachError } from '../../lib/errors.js';
import type { MachApi, ReceivedMessage } from '../../lib/types.js';

/** The next message on `port`, or null when none is queued. */
export async function poll(t: MachApi, port: number): Promise<ReceivedMessage | null> {
  try {
    return (await t.mach_msg(undefined, MACH_RCV_MSG | MACH_RCV_TIMEOUT, port, 0, 256))!;
  } catch (e) {
    if (e instanceof MachError && e.kr === MACH_RCV_TIMED_OUT) return null;
    throw e;
  }
}

/** The msgh_ids of every message queued on `port`. */
export async function drain(t: MachApi, port: number): Promise<number[]> {
  const ids: number[] = [];
  for (let m = await poll(t, port); m !== null; m = await poll(t, port)) ids.push(m.header.msgh_id);
  return ids;
}

/** The error of class `kind` that `f` throws (fails the test if it throws anything else, or nothing). */
export function thrownBy<E>(f: () => unknown, kind: abstract new (...args: never[]) => E): E {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(kind);
    return e as E;
  }
  throw new Error(`expected a ${kind.name}`);
}
