/**
 * Synchronous requests over a socket. Node has no blocking socket read, so each thread
 * that talks to a kernel host over a socket starts one helper worker thread holding the
 * sessions' synchronous connections. A synchronous call goes like this:
 *
 * 1. the calling thread writes the request frame (on its own asynchronous connection,
 *    or hands it to the helper when that connection cannot take it at once);
 * 2. it blocks in `Atomics.wait` on a shared counter;
 * 3. the helper reads the reply on the synchronous connection, posts it on a
 *    MessagePort nobody listens to, bumps the counter and `Atomics.notify`s;
 * 4. the caller wakes and takes the reply with `receiveMessageOnPort`.
 *
 * The helper's code is plain JavaScript in a string (`eval: true`), so it runs the same
 * from the TypeScript sources and from the compiled package.
 * @module
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

/** What the helper sends back. */
export type HelperNote =
  | { sid: string; kind: 'opened'; frame: Uint8Array }
  | { sid: string; kind: 'refused'; frame: Uint8Array }
  | { sid: string; kind: 'frame'; frame: Uint8Array }
  | { sid: string; kind: 'error'; message: string }
  | { sid: string; kind: 'lost'; message: string };

const HELPER_SOURCE = String.raw`
'use strict';
const net = require('node:net');
const { parentPort, workerData } = require('node:worker_threads');
const flag = workerData.flag;
const replyPort = workerData.replyPort;
const maxFrame = workerData.maxFrame;
const conns = new Map();

function wake(note, transfer) {
  try { replyPort.postMessage(note, transfer || []); } catch (e) {}
  Atomics.add(flag, 0, 1);
  Atomics.notify(flag, 0);
}
function tell(note) {
  try { parentPort.postMessage(note); } catch (e) {}
}
function owned(buf) {
  const u = new Uint8Array(buf.length);
  u.set(buf);
  return u;
}
process.on('uncaughtException', (err) => {
  for (const sid of conns.keys()) {
    const note = { sid, kind: 'lost', message: 'kernel-host helper failed: ' + (err && err.message) };
    wake(note);
    tell(note);
  }
  conns.clear();
});

function open(m) {
  const sync = m.mode === 'sync';
  const notify = (note, transfer) => (sync ? wake(note, transfer) : parentPort.postMessage(note, transfer || []));
  const sock = net.createConnection(m.path);
  const st = { sock, welcomed: false, chunks: [], buffered: 0, closing: false, error: null };
  conns.set(m.sid, st);
  const timer = setTimeout(() => {
    if (!st.welcomed) { st.error = 'no answer from the kernel host within ' + m.timeoutMs + ' ms'; sock.destroy(); }
  }, m.timeoutMs);
  sock.write(m.hello);
  const onFrame = (f) => {
    const u = owned(f);
    if (!st.welcomed) {
      st.welcomed = true;
      clearTimeout(timer);
      notify({ sid: m.sid, kind: f[4] === 2 ? 'opened' : 'refused', frame: u }, [u.buffer]);
      if (f[4] !== 2) { st.closing = true; sock.destroy(); conns.delete(m.sid); }
      return;
    }
    wake({ sid: m.sid, kind: 'frame', frame: u }, [u.buffer]);
  };
  sock.on('data', (chunk) => {
    st.chunks.push(chunk);
    st.buffered += chunk.length;
    for (;;) {
      if (st.buffered < 4) return;
      let all = st.chunks.length === 1 ? st.chunks[0] : Buffer.concat(st.chunks, st.buffered);
      st.chunks = [all];
      const len = all.readUInt32LE(0);
      if (len < 16 || len > maxFrame) { st.error = 'the kernel host sent a frame of ' + len + ' bytes'; sock.destroy(); return; }
      if (st.buffered < len) return;
      onFrame(all.subarray(0, len));
      all = all.subarray(len);
      st.chunks = all.length > 0 ? [all] : [];
      st.buffered = all.length;
    }
  });
  sock.on('error', (e) => { if (st.error === null) st.error = e.message; });
  sock.on('close', () => {
    clearTimeout(timer);
    if (conns.get(m.sid) === st) conns.delete(m.sid);
    if (st.closing) return;
    const message = st.error || 'the kernel host closed the connection';
    if (!st.welcomed) notify({ sid: m.sid, kind: 'error', message });
    else {
      wake({ sid: m.sid, kind: 'lost', message });
      tell({ sid: m.sid, kind: 'lost', message });
    }
  });
}

parentPort.on('message', (m) => {
  if (m.op === 'open') open(m);
  else if (m.op === 'send') {
    const st = conns.get(m.sid);
    if (st === undefined) { wake({ sid: m.sid, kind: 'lost', message: 'the synchronous connection is closed' }); return; }
    for (const f of m.frames) st.sock.write(f);
  } else if (m.op === 'close') {
    const st = conns.get(m.sid);
    if (st !== undefined) { st.closing = true; st.sock.destroy(); conns.delete(m.sid); }
  }
});
`;

/** The helper of this thread (one per thread, started on first use). */
export class SyncHelper {
  private static current: SyncHelper | null = null;

  /** This thread's helper. */
  static get(maxFrame: number): SyncHelper {
    SyncHelper.current ??= new SyncHelper(maxFrame);
    return SyncHelper.current;
  }

  private readonly worker: Worker;
  private readonly flag: Int32Array;
  private readonly replies: MessagePort;
  private readonly listeners = new Map<string, (note: HelperNote) => void>();
  private refs = 0;
  private failure: string | null = null;

  private constructor(maxFrame: number) {
    this.flag = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    this.replies = port1;
    this.worker = new Worker(HELPER_SOURCE, {
      eval: true,
      workerData: { flag: this.flag, replyPort: port2, maxFrame },
      transferList: [port2],
      // The helper needs none of the parent's flags (a test runner's loaders, inspector).
      execArgv: [],
      stdout: false,
      stderr: false,
    });
    this.worker.on('message', (note: HelperNote) => this.listeners.get(note.sid)?.(note));
    this.worker.on('error', (err) => this.fail(`kernel-host helper thread failed: ${err.message}`));
    this.worker.on('exit', () => this.fail('kernel-host helper thread exited'));
    // After the listeners: adding a 'message' listener refs the worker's port again.
    this.worker.unref();
  }

  private fail(message: string): void {
    if (this.failure !== null) return;
    this.failure = message;
    if (SyncHelper.current === this) SyncHelper.current = null;
    for (const [sid, fn] of this.listeners) fn({ sid, kind: 'lost', message });
  }

  /** Receive the helper's asynchronous notes about session `sid`. */
  listen(sid: string, fn: (note: HelperNote) => void): void {
    this.listeners.set(sid, fn);
  }

  /** Stop listening for `sid`. */
  unlisten(sid: string): void {
    this.listeners.delete(sid);
  }

  /** Keep the process alive while an asynchronous open is under way. */
  ref(): void {
    if (this.refs++ === 0) this.worker.ref();
  }

  /** Undo one {@link ref}; at 0 the helper thread no longer keeps the process alive. Calls must pair with ref(). */
  unref(): void {
    if (--this.refs === 0) this.worker.unref();
  }

  /** Ask the helper to do something (see the helper's message handler). */
  post(message: Record<string, unknown>): void {
    if (this.failure !== null) throw new Error(this.failure);
    this.worker.postMessage(message);
  }

  /**
   * Block until the helper has a note for session `sid`, and return it. Notes for other
   * sessions met on the way are handed to their listeners.
   */
  wait(sid: string): HelperNote {
    for (;;) {
      const seen = Atomics.load(this.flag, 0);
      const got = receiveMessageOnPort(this.replies);
      if (got !== undefined) {
        const note = got.message as HelperNote;
        if (note.sid === sid) return note;
        this.listeners.get(note.sid)?.(note);
        continue;
      }
      if (this.failure !== null) return { sid, kind: 'lost', message: this.failure };
      Atomics.wait(this.flag, 0, seen, 1000);
    }
  }
}
