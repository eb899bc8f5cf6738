/**
 * lib/message/ool-deallocate.ts: what a deallocate send may take from the caller, how it
 * takes it, and how a later send recognises memory that is gone. The backends' use of it
 * is tested in test/emulator/ool-deallocate.test.ts and the conformance suite.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coversWholeBuffer, detachForSend, wasTakenBySend } from '../../lib/message/ool-deallocate.js';

describe('ool-deallocate', () => {
  it('a view covers its whole buffer only from offset 0 to the end', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 256 }), fc.integer({ min: 0, max: 256 }), fc.integer({ min: 0, max: 256 }), (size, a, b) => {
        const start = Math.min(a, size);
        const end = Math.max(start, Math.min(b, size));
        const view = new Uint8Array(size).subarray(start, end);
        expect(coversWholeBuffer(view)).toBe(start === 0 && end === size);
      }),
    );
    expect(coversWholeBuffer(Buffer.from('pooled'))).toBe(false);
  });

  it('detaching moves the memory without changing its bytes, and marks the old buffer as taken', () => {
    const data = Uint8Array.from({ length: 4096 }, (_, i) => i * 7);
    const expected = Uint8Array.from(data);
    const other = new Uint8Array(data.buffer, 16);
    expect(wasTakenBySend(data)).toBe(false);
    const moved = detachForSend(data.buffer);
    expect(moved).not.toBeNull();
    expect(new Uint8Array(moved!)).toEqual(expected);
    expect(data.length).toBe(0);
    expect(data.buffer.byteLength).toBe(0);
    expect(wasTakenBySend(data)).toBe(true);
    // Another view made before the send is gone too; a buffer merely empty is not taken.
    expect(other.length).toBe(0);
    expect(wasTakenBySend(other)).toBe(true);
    expect(wasTakenBySend(new Uint8Array(0))).toBe(false);
  });

  it('a shared or resizable buffer is never detached', () => {
    const shared = new SharedArrayBuffer(64);
    expect(detachForSend(shared)).toBeNull();
    expect(shared.byteLength).toBe(64);
    const Resizable = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer;
    const resizable = new Resizable(64, { maxByteLength: 128 });
    if ((resizable as { resizable?: boolean }).resizable === true) {
      expect(detachForSend(resizable)).toBeNull();
      expect(resizable.byteLength).toBe(64);
    }
  });
});
