/**
 * One-shot kernel notifications as promises. Each watcher owns a private receive right,
 * registers a MAKE_SEND_ONCE of it with mach_port_request_notification, waits for the
 * one message that request can produce, and destroys the private right afterwards.
 * @module
 */
import {
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSG_TYPE_MOVE_SEND_ONCE,
  MACH_NOTIFY_DEAD_NAME,
  MACH_NOTIFY_NO_SENDERS,
  MACH_NOTIFY_PORT_DELETED,
  MACH_PORT_NULL,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_PORT_VALID,
  MACH_RCV_INVALID_NAME,
  MACH_RCV_MSG,
  MACH_RCV_PORT_CHANGED,
} from '../constants.js';
import { MachError } from '../errors.js';
import type { MachApi, ReceivedMessage } from '../types.js';
import { isTaskGone } from './internal.js';

/**
 * How a no-senders request ended: `'no-senders'` (the last send right went away;
 * `mscount` is the make-send count the kernel reported), or `'cancelled'` (the request
 * ended without firing: the receive right was destroyed — the kernel then sends a
 * send-once notification instead — or another request replaced this one).
 */
export type NoSendersEvent = { event: 'no-senders'; mscount: number } | { event: 'cancelled' };

/**
 * How a dead-name request ended: `'dead-name'` (the port died; the name is now a dead
 * name), `'port-deleted'` (the name stopped denoting a right before the port died), or
 * `'cancelled'` (the request was replaced or the task went away).
 */
export type DeadNameEvent = { event: 'dead-name'; name: number } | { event: 'port-deleted'; name: number } | { event: 'cancelled' };

/** The uint32 after a notification's NDR record (mscount or a name). */
function notificationWord(msg: ReceivedMessage): number {
  const b = msg.body;
  if (b.byteLength < 12) return 0;
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(8, true);
}

/**
 * Arm notification `msgid` on `target` (synchronously, so the request is in place when
 * this returns) and resolve with the notification message, or `undefined` when the
 * watch ended without one. Rejects with the signal's reason on abort (the request is
 * cancelled first).
 */
function arm(api: MachApi, target: number, msgid: number, sync: number, signal: AbortSignal | undefined): Promise<ReceivedMessage | undefined> {
  const task = api.mach_task_self();
  const port = api.mach_port_allocate(task, MACH_PORT_RIGHT_RECEIVE);
  let previous: number;
  try {
    previous = api.mach_port_request_notification(task, target, msgid, sync, port, MACH_MSG_TYPE_MAKE_SEND_ONCE);
  } catch (err) {
    api.mach_port_mod_refs(task, port, MACH_PORT_RIGHT_RECEIVE, -1);
    throw err;
  }
  // The displaced request's send-once right is ours to release (as in C); its owner is
  // told through MACH_NOTIFY_SEND_ONCE.
  if (MACH_PORT_VALID(previous)) {
    try {
      api.mach_port_deallocate(task, previous);
    } catch {
      // Already gone.
    }
  }
  const destroyPort = () => {
    try {
      api.mach_port_mod_refs(task, port, MACH_PORT_RIGHT_RECEIVE, -1);
    } catch {
      // The task went away with it.
    }
  };
  return (async () => {
    try {
      return await api.mach_msg(undefined, MACH_RCV_MSG, port, 0, undefined, signal ? { signal } : undefined);
    } catch (err) {
      if (signal?.aborted) {
        try {
          const ours = api.mach_port_request_notification(task, target, msgid, 0, MACH_PORT_NULL, MACH_MSG_TYPE_MOVE_SEND_ONCE);
          if (MACH_PORT_VALID(ours)) api.mach_port_deallocate(task, ours);
        } catch {
          // The target is gone; so is the request.
        }
        throw err;
      }
      if (isTaskGone(err) || (err instanceof MachError && (err.kr === MACH_RCV_PORT_CHANGED || err.kr === MACH_RCV_INVALID_NAME))) {
        return undefined;
      }
      throw err;
    } finally {
      destroyPort();
    }
  })();
}

/** Arm a no-senders notification on the receive right `target`. */
export function watchNoSenders(api: MachApi, target: number, sync: number, signal?: AbortSignal): Promise<NoSendersEvent> {
  return arm(api, target, MACH_NOTIFY_NO_SENDERS, sync, signal).then((msg): NoSendersEvent => {
    if (msg?.header.msgh_id === MACH_NOTIFY_NO_SENDERS) return { event: 'no-senders', mscount: notificationWord(msg) };
    return { event: 'cancelled' };
  });
}

/**
 * Arm a dead-name notification on `target` (a send or send-once name). When it fires,
 * the kernel gave the name one extra dead-name reference for the notification; it is
 * released here, so the caller's objects keep owning exactly what they owned.
 */
export function watchDeadName(api: MachApi, target: number, signal?: AbortSignal): Promise<DeadNameEvent> {
  return arm(api, target, MACH_NOTIFY_DEAD_NAME, 0, signal).then((msg): DeadNameEvent => {
    if (msg?.header.msgh_id === MACH_NOTIFY_DEAD_NAME) {
      const name = notificationWord(msg);
      try {
        api.mach_port_deallocate(api.mach_task_self(), name);
      } catch {
        // Already gone.
      }
      return { event: 'dead-name', name };
    }
    if (msg?.header.msgh_id === MACH_NOTIFY_PORT_DELETED) return { event: 'port-deleted', name: notificationWord(msg) };
    return { event: 'cancelled' };
  });
}
