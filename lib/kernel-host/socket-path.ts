/**
 * Where `machport kernel` listens when no --socket is given: machport-kernel-UID.sock
 * in the temporary directory (XDG_RUNTIME_DIR when set, which is private to the user).
 * @module
 */
import os from 'node:os';
import path from 'node:path';

/** The default socket path of the kernel host. */
export function defaultSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  const dir = env.XDG_RUNTIME_DIR && env.XDG_RUNTIME_DIR !== '' ? env.XDG_RUNTIME_DIR : os.tmpdir();
  return path.join(dir, `machport-kernel-${uid}.sock`);
}
