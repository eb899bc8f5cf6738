/**
 * Accepting connections: a socket or a worker's MessagePort starts with a HELLO, then
 * carries requests for its session. Framing errors (a length below the header or above
 * the limit, a frame type that is not a request, a second HELLO) end the connection
 * with a PROTOCOL_ERROR frame; the kernel and every other client go on.
 * @module
 */
import type { Socket } from 'node:net';
import type { MessagePort } from 'node:worker_threads';
import { parseHello, refuseFrame, welcomeFrame } from './handshake.js';
import type { HostSession } from './host-session.js';
import type { KernelHost } from './host.js';
import { FrameCutter, FramingError, parseFrame, valueFrame } from './frames.js';
import { PortLink, PortSyncLink, SocketLink } from './link.js';
import { F, HEADER_SIZE, PROTOCOL_VERSION, ROLE, SEQUENCED } from './protocol.js';

/** Serve one accepted socket. */
export function acceptSocket(host: KernelHost, socket: Socket): void {
  const cutter = new FrameCutter(host.maxFrame);
  const link = new SocketLink(socket);
  let session: HostSession | null = null;
  let done = false;

  const fail = (message: string, refuse = false): void => {
    if (done) return;
    done = true;
    clearTimeout(helloTimer);
    if (session !== null) {
      session.protocolError(message);
    } else {
      socket.write(refuse ? refuseFrame(message) : valueFrame(F.PROTOCOL_ERROR, 0, 0, 0, { message }));
      link.close();
    }
  };

  const helloTimer = setTimeout(() => fail(`no HELLO within ${host.helloTimeoutMs} ms`), host.helloTimeoutMs);
  helloTimer.unref();

  const onFrame = (bytes: Buffer): void => {
    if (done) return;
    const frame = parseFrame(bytes);
    if (session === null) {
      let hello;
      try {
        hello = parseHello(frame);
      } catch (err) {
        fail(`bad HELLO: ${(err as Error).message}`, true);
        return;
      }
      clearTimeout(helloTimer);
      if (hello.version !== PROTOCOL_VERSION) {
        fail(`protocol version ${hello.version} is not supported (this kernel speaks ${PROTOCOL_VERSION})`, true);
        return;
      }
      if (host.closed) {
        fail('the kernel host is closing', true);
        return;
      }
      if (hello.role === ROLE.SYNC || hello.role === ROLE.BOTH) {
        if (host.sessions.has(hello.sessionId)) {
          fail(`session ${hello.sessionId} already exists`, true);
          return;
        }
        session = host.createSession(hello.sessionId, hello.pid, hello.title, false);
        session.syncLink = link;
        if (hello.role === ROLE.BOTH) session.attachAsync(link);
      } else if (hello.role === ROLE.ASYNC) {
        const s = host.sessions.get(hello.sessionId);
        if (s === undefined || s.asyncLink !== null || s.closed) {
          fail(`no session ${hello.sessionId} waiting for its asynchronous connection`, true);
          return;
        }
        session = s;
        session.attachAsync(link);
      } else {
        fail(`unknown role ${hello.role}`, true);
        return;
      }
      socket.write(welcomeFrame(host.kernelId, host.maxFrame));
      return;
    }
    if (!SEQUENCED.has(frame.type)) {
      fail(`frame type 0x${frame.type.toString(16)} is not a request`);
      return;
    }
    session.receive(frame);
  };

  socket.on('data', (chunk: Buffer) => {
    if (done) return;
    try {
      cutter.push(chunk, onFrame);
    } catch (err) {
      if (err instanceof FramingError) fail(err.message);
      else fail(`internal error: ${(err as Error).message}`);
    }
  });
  socket.on('error', () => {
    // 'close' follows
  });
  socket.on('close', () => {
    clearTimeout(helloTimer);
    done = true;
    session?.end('client disconnected');
  });
}

/** Serve one worker thread's MessagePort (its first message is the handshake). */
export function acceptPort(host: KernelHost, port: MessagePort): void {
  let session: HostSession | null = null;
  let sync: PortSyncLink | null = null;
  const drop = (message: string): void => {
    if (session !== null) session.protocolError(message);
    else port.close();
  };
  port.on('message', (m: unknown) => {
    if (session === null) {
      const hs = m as { hello?: unknown; syncPort?: unknown; flag?: unknown } | null;
      if (
        typeof hs !== 'object' ||
        hs === null ||
        !(hs.hello instanceof Uint8Array) ||
        typeof (hs.syncPort as MessagePort | undefined)?.postMessage !== 'function' ||
        !(hs.flag instanceof SharedArrayBuffer)
      ) {
        port.close();
        return;
      }
      const bytes = Buffer.from(hs.hello.buffer, hs.hello.byteOffset, hs.hello.byteLength);
      sync = new PortSyncLink(hs.syncPort as MessagePort, new Int32Array(hs.flag));
      let hello;
      try {
        if (bytes.length < HEADER_SIZE || bytes.readUInt32LE(0) !== bytes.length) throw new Error('malformed HELLO frame');
        hello = parseHello(parseFrame(bytes));
        if (hello.version !== PROTOCOL_VERSION) throw new Error(`protocol version ${hello.version} is not supported`);
        if (host.closed) throw new Error('the kernel host is closing');
      } catch (err) {
        sync.write(refuseFrame((err as Error).message));
        port.close();
        return;
      }
      session = host.createSession(hello.sessionId, hello.pid, hello.title, true);
      session.syncLink = sync;
      session.attachAsync(new PortLink(port));
      sync.write(welcomeFrame(host.kernelId, host.maxFrame));
      return;
    }
    if (!(m instanceof Uint8Array)) {
      drop('a worker message that is not a frame');
      return;
    }
    const bytes = Buffer.from(m.buffer, m.byteOffset, m.byteLength);
    if (bytes.length < HEADER_SIZE || bytes.readUInt32LE(0) !== bytes.length) {
      drop(`malformed frame of ${bytes.length} bytes`);
      return;
    }
    const frame = parseFrame(bytes);
    if (!SEQUENCED.has(frame.type)) {
      drop(`frame type 0x${frame.type.toString(16)} is not a request`);
      return;
    }
    session.receive(frame);
  });
  port.on('close', () => {
    session?.end('worker exited');
  });
  port.unref();
}
