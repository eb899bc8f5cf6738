/**
 * A typed Mach service in two emulated tasks: a small key-value store described once
 * with message schemas, served in one task and called from another through the
 * bootstrap server — what a .defs file, MIG and launchd do for a C service.
 *
 * `runTypedService()` runs both sides on a fresh emulated kernel and returns what the
 * client saw (test/message/typed-service.test.ts runs it).
 * @module
 */
import { KERN_INVALID_ARGUMENT, MACH_MSG_TYPE_MAKE_SEND, MACH_PORT_RIGHT_RECEIVE, MACH_RCV_MSG } from '../lib/constants.js';
import { Kernel } from '../lib/emulator/index.js';
import { MachError } from '../lib/errors.js';
import {
  boolean,
  cString,
  defineRoutine,
  defineSimpleRoutine,
  ool,
  port,
  serve,
  uint32,
  varBytes,
} from '../lib/message/index.js';
import type { MachApi } from '../lib/types.js';

/** The service's bootstrap name. */
export const SERVICE_NAME = 'com.example.machport.kv';

/** Subsystem 7300: routines are numbered from it, as in a .defs file. */
const KV = 7300;

/** put(key, value) → (). */
export const put = defineRoutine({
  subsystem: KV,
  id: 0,
  name: 'kv_put',
  request: { key: cString(128), value: varBytes(1024) },
  reply: {},
});

/** get(key) → (found, value). */
export const get = defineRoutine({
  subsystem: KV,
  id: 1,
  name: 'kv_get',
  request: { key: cString(128) },
  reply: { found: boolean, value: varBytes(1024) },
});

/** snapshot() → every entry as "key=value\n" text in out-of-line memory (a complex reply: no RetCode). */
export const snapshot = defineRoutine({
  subsystem: KV,
  id: 2,
  name: 'kv_snapshot',
  request: {},
  reply: { entries: uint32, text: ool() },
});

/** watch(listener) → (): the server keeps the send right and notifies it on every put. */
export const watch = defineRoutine({
  subsystem: KV,
  id: 3,
  name: 'kv_watch',
  request: { listener: port(MACH_MSG_TYPE_MAKE_SEND) },
  reply: {},
});

/** changed(key): the one-way notification a watcher receives (a simpleroutine). */
export const changed = defineSimpleRoutine({ subsystem: KV, id: 4, name: 'kv_changed', request: { key: cString(128) } });

/** What the example observed. */
export interface TypedServiceResult {
  got: { found: boolean; value: string };
  missing: { found: boolean };
  snapshot: string;
  notifiedKey: string;
  emptyKeyError: string;
}

const text = new TextEncoder();
const untext = new TextDecoder();

/** Serves the store on `api` until `signal` aborts. */
export async function serveStore(api: MachApi, signal: AbortSignal): Promise<void> {
  const receiveRight = api.bootstrap_check_in(api.bootstrap_port, SERVICE_NAME);
  const store = new Map<string, Uint8Array>();
  const watchers: number[] = [];
  await serve(
    api,
    receiveRight,
    [
      put.implement(async ({ key, value }) => {
        if (key === '') throw new MachError(KERN_INVALID_ARGUMENT, 'empty key');
        store.set(key, value);
        for (const w of watchers) await changed.send(api, w, { key });
      }),
      get.implement(({ key }) => {
        const value = store.get(key);
        return { found: value !== undefined, value: value ?? new Uint8Array(0) };
      }),
      snapshot.implement(() => {
        const lines = [...store].map(([k, v]) => `${k}=${untext.decode(v)}\n`).join('');
        return { entries: store.size, text: text.encode(lines) };
      }),
      watch.implement(({ listener }, ctx) => {
        // Keep the send right: without take() serve would release it after the reply.
        ctx.take(listener);
        watchers.push(listener);
      }),
    ],
    { signal },
  );
}

/** Runs the example on a fresh emulated kernel and returns what the client saw. */
export async function runTypedService(): Promise<TypedServiceResult> {
  const kernel = new Kernel();
  const server = kernel.createTask({ name: 'kv-server' });
  const client = kernel.createTask({ name: 'kv-client' });
  const stop = new AbortController();
  const serving = serveStore(server, stop.signal);
  try {
    // serveStore checked in synchronously, before its first await, so the name is registered.
    const service = client.bootstrap_look_up(client.bootstrap_port, SERVICE_NAME);
    const listener = client.mach_port_allocate(client.mach_task_self(), MACH_PORT_RIGHT_RECEIVE);
    await watch.call(client, service, { listener });

    await put.call(client, service, { key: 'colour', value: text.encode('blue') });
    const notification = await client.mach_msg(undefined, MACH_RCV_MSG, listener, 0, 256);
    const { key: notifiedKey } = changed.requestSchema.decode(notification!);

    const got = await get.call(client, service, { key: 'colour' });
    const missing = await get.call(client, service, { key: 'size' });
    const snap = await snapshot.call(client, service, {});
    let emptyKeyError = '';
    try {
      await put.call(client, service, { key: '', value: new Uint8Array(0) });
    } catch (e) {
      emptyKeyError = e instanceof MachError ? e.code : String(e);
    }
    return {
      got: { found: got.found, value: untext.decode(got.value) },
      missing: { found: missing.found },
      snapshot: untext.decode(snap.text),
      notifiedKey,
      emptyKeyError,
    };
  } finally {
    stop.abort();
    await serving;
  }
}
