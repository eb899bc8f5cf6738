/**
 * What an OOL descriptor's `deallocate` does to the sender's own memory, the same for
 * every backend: XNU copies the region in with vm_map_copyin and src_destroy, so the
 * region leaves the sender's address space as part of the send, and a later send from
 * it fails with MACH_SEND_INVALID_MEMORY (xnu:osfmk/ipc/ipc_kmsg.c:
 * ipc_kmsg_copyin_ool_descriptor; osfmk/vm/vm_map.c:vm_map_copyin_internal).
 *
 * JS memory cannot be unmapped; the nearest thing is detaching an ArrayBuffer, which
 * every view of it then sees as empty. Only a Uint8Array that covers its whole
 * (non-shared, non-resizable) ArrayBuffer is detached: a view into a larger buffer (a
 * subarray, a pooled Node Buffer) shares its buffer with memory the send does not take,
 * so it is copied and left alone. Detached buffers are remembered here, in one set for
 * every backend, so that a send of a view of one fails as XNU's would whichever backend
 * detached it.
 * @module
 */

/** ArrayBuffers detached by deallocate sends: their memory is gone from the sender. */
const detached = new WeakSet<ArrayBufferLike>();

/** ArrayBuffer.prototype.transfer where the runtime has it (Node 21 and later), else undefined. */
const nativeTransfer = (ArrayBuffer.prototype as { transfer?: (this: ArrayBuffer) => ArrayBuffer }).transfer;
/** The `{ transfer }` option of structuredClone, reused (its one slot is cleared after each call). */
const transferList: ArrayBuffer[] = [];
const transferOptions = { transfer: transferList };

/**
 * True when `data` is the whole of its ArrayBuffer, so a deallocate send may take the
 * buffer (a view into a larger one may not).
 */
export function coversWholeBuffer(data: Uint8Array): boolean {
  // length, not byteLength: the same for a Uint8Array, and on Node 20 byteLength is a
  // generic property load where length is inlined.
  return data.byteOffset === 0 && data.buffer.byteLength === data.length;
}

/**
 * Detach `buf` as a deallocate send does, and return the ArrayBuffer that now owns its
 * memory (no copy); null when it cannot be detached (shared, resizable, not
 * transferable, e.g. a WebAssembly.Memory buffer), in which case the caller copies.
 */
export function detachForSend(buf: ArrayBufferLike): ArrayBuffer | null {
  if (!(buf instanceof ArrayBuffer) || (buf as { resizable?: boolean }).resizable === true) return null;
  let moved: ArrayBuffer;
  try {
    if (nativeTransfer !== undefined) moved = nativeTransfer.call(buf);
    else {
      transferList[0] = buf;
      moved = structuredClone(buf, transferOptions);
    }
  } catch {
    return null;
  } finally {
    transferList.length = 0;
  }
  detached.add(buf);
  return moved;
}

/**
 * Detach every buffer a send took once its copy-in is known to have happened (a backend
 * that copies the bytes itself first, then learns the outcome). The same buffer listed
 * twice, for two descriptors of one message, is detached once (it then reads as empty).
 */
export function detachTakenBuffers(buffers: readonly ArrayBuffer[] | null): void {
  if (buffers !== null) for (const buf of buffers) if (buf.byteLength !== 0) detachForSend(buf);
}

/**
 * True when `data` is a view of a buffer an earlier deallocate send detached: its memory
 * is no longer the sender's, and sending it fails with MACH_SEND_INVALID_MEMORY. (A
 * detached buffer reads as empty in JS, so only an empty view can be one.)
 */
export function wasTakenBySend(data: Uint8Array): boolean {
  return data.length === 0 && detached.has(data.buffer);
}
