/**
 * Allocation and names: mach_port_allocate, mach_port_allocate_name, name layout and
 * reuse, mach_port_names (reference S1–S7, S35).
 */
import { expect } from 'vitest';
import fc from 'fast-check';
import { conformance, expectMachError, suite } from './harness.js';
import { C, isGone, namesMap, port, portSet, portWithSend, refs, sendOnce, status, typeOf, unusedName } from './helpers.js';

suite('allocation and names', () => {
  conformance(
    'S1 a new receive right: type RECEIVE, refs 1/0, RECEIVE_STATUS all zero but qlimit 5',
    'xnu:osfmk/ipc/mach_port.c:mach_port_allocate_full, mach_port_get_status_helper; ipc_mqueue.c:ipc_mqueue_init',
    ({ api, task }) => {
      const p = api.mach_port_allocate(task, C.MACH_PORT_RIGHT_RECEIVE);
      expect(C.MACH_PORT_VALID(p)).toBe(true);
      expect(typeOf(api, p)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      expect(refs(api, p, C.MACH_PORT_RIGHT_RECEIVE)).toBe(1);
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND)).toBe(0);
      expect(refs(api, p, C.MACH_PORT_RIGHT_SEND_ONCE)).toBe(0);
      expect(refs(api, p, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(0);
      expect(status(api, p)).toEqual({
        mps_pset: 0,
        mps_seqno: 0,
        mps_mscount: 0,
        mps_qlimit: C.MACH_PORT_QLIMIT_DEFAULT,
        mps_msgcount: 0,
        mps_sorights: 0,
        mps_srights: 0,
        mps_pdrequest: 0,
        mps_nsrequest: 0,
        mps_flags: 0,
      });
    },
  );

  conformance(
    'S1 every name XNU hands out has both low bits set (generation byte 0x03 + 4k)',
    'xnu:osfmk/ipc/ipc_entry.c:ipc_entry_claim, ipc_entry_name_mask',
    ({ api, task }) => {
      const rights = [C.MACH_PORT_RIGHT_RECEIVE, C.MACH_PORT_RIGHT_PORT_SET, C.MACH_PORT_RIGHT_DEAD_NAME];
      const made: number[] = [];
      for (let i = 0; i < 24; i++) made.push(api.mach_port_allocate(task, rights[i % 3]!));
      for (const n of made) expect(n & 3, `name 0x${n.toString(16)}`).toBe(3);
      expect(new Set(made).size).toBe(made.length);
      for (const n of api.mach_port_names(task).names) expect(n & 3).toBe(3);
    },
  );

  conformance(
    'S1 names of a fresh space use generation 0x03 and never index 0',
    'xnu:osfmk/ipc/ipc_entry.h:ipc_entry_new_gen; ipc_entry.c:ipc_entry_lookup; ipc_space.c:ipc_space_rand_freelist',
    ({ api, task }) => {
      const a = api.mach_port_allocate(task, C.MACH_PORT_RIGHT_RECEIVE);
      const b = api.mach_port_allocate(task, C.MACH_PORT_RIGHT_PORT_SET);
      for (const n of [a, b]) {
        expect(n & 0xff).toBe(0x03);
        expect(C.MACH_PORT_INDEX(n)).toBeGreaterThan(0);
      }
      for (const n of api.mach_port_names(task).names) expect(C.MACH_PORT_INDEX(n)).toBeGreaterThan(0);
    },
    { needs: ['fresh-space'] },
  );

  conformance(
    'S2 a new port set: type PORT_SET, refs 1, no members',
    'xnu:osfmk/ipc/mach_port.c:mach_port_allocate_full, mach_port_get_set_status; ipc_pset.c:ipc_pset_alloc',
    ({ api, task }) => {
      const s = portSet(api);
      expect(typeOf(api, s)).toBe(C.MACH_PORT_TYPE_PORT_SET);
      expect(refs(api, s, C.MACH_PORT_RIGHT_PORT_SET)).toBe(1);
      expect(refs(api, s, C.MACH_PORT_RIGHT_RECEIVE)).toBe(0);
      expect(api.mach_port_get_set_status(task, s)).toEqual([]);
    },
  );

  conformance(
    'S3 a new dead name: type DEAD_NAME with one user reference',
    'xnu:osfmk/ipc/ipc_object.c:ipc_object_alloc_dead',
    ({ api, task }) => {
      const d = api.mach_port_allocate(task, C.MACH_PORT_RIGHT_DEAD_NAME);
      expect(typeOf(api, d)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
      expect(refs(api, d, C.MACH_PORT_RIGHT_DEAD_NAME)).toBe(1);
      expect(refs(api, d, C.MACH_PORT_RIGHT_SEND)).toBe(0);
    },
  );

  conformance(
    'S4 allocating SEND, SEND_ONCE, LABELH or an unknown right gives KERN_INVALID_VALUE and creates nothing',
    'xnu:osfmk/ipc/mach_port.c:mach_port_allocate_full',
    ({ api, task }) => {
      const before = api.mach_port_names(task).names.length;
      for (const right of [C.MACH_PORT_RIGHT_SEND, C.MACH_PORT_RIGHT_SEND_ONCE, C.MACH_PORT_RIGHT_LABELH, C.MACH_PORT_RIGHT_NUMBER, 99]) {
        expectMachError(() => api.mach_port_allocate(task, right), 'KERN_INVALID_VALUE');
      }
      expect(api.mach_port_names(task).names.length).toBe(before);
    },
  );

  conformance(
    'S5 mach_port_allocate_name gives the receive right the chosen name; a second time KERN_NAME_EXISTS (RECEIVE and PORT_SET)',
    'xnu:osfmk/ipc/ipc_object.c:ipc_object_alloc_name; ipc_entry.c:ipc_entry_alloc_name',
    ({ api, task }) => {
      const name = unusedName(api);
      api.mach_port_allocate_name(task, C.MACH_PORT_RIGHT_RECEIVE, name);
      expect(typeOf(api, name)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      expect(status(api, name).mps_qlimit).toBe(5);
      expectMachError(() => api.mach_port_allocate_name(task, C.MACH_PORT_RIGHT_RECEIVE, name), 'KERN_NAME_EXISTS');
      expectMachError(() => api.mach_port_allocate_name(task, C.MACH_PORT_RIGHT_PORT_SET, name), 'KERN_NAME_EXISTS');
      expect(typeOf(api, name)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    },
  );

  conformance(
    'S5 mach_port_allocate_name of a port set under a chosen name',
    'xnu:osfmk/ipc/ipc_object.c:ipc_object_alloc_name; ipc_pset.c:ipc_pset_alloc_name',
    ({ api, task }) => {
      const name = unusedName(api, 0x2200);
      api.mach_port_allocate_name(task, C.MACH_PORT_RIGHT_PORT_SET, name);
      expect(typeOf(api, name)).toBe(C.MACH_PORT_TYPE_PORT_SET);
      expect(api.mach_port_get_set_status(task, name)).toEqual([]);
    },
  );

  conformance(
    'S5 mach_port_allocate_name(DEAD_NAME) ignores the requested name: success under a fresh name, even when the name is taken',
    'xnu:osfmk/ipc/mach_port.c:mach_port_allocate_full (DEAD_NAME → ipc_object_alloc_dead, qos->name unused)',
    ({ api, task }) => {
      const taken = unusedName(api, 0x3200);
      api.mach_port_allocate_name(task, C.MACH_PORT_RIGHT_RECEIVE, taken);
      const before = namesMap(api);
      api.mach_port_allocate_name(task, C.MACH_PORT_RIGHT_DEAD_NAME, taken);
      expect(typeOf(api, taken)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      const after = namesMap(api);
      const added = [...after.keys()].filter((n) => !before.has(n));
      expect(added.length).toBe(1);
      expect(after.get(added[0]!)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);

      const free = unusedName(api, 0x4200);
      api.mach_port_allocate_name(task, C.MACH_PORT_RIGHT_DEAD_NAME, free);
      expect(isGone(api, free)).toBe(true);
    },
  );

  conformance(
    'S6 illegal chosen names: 0 and DEAD → KERN_INVALID_VALUE; low bits not 11 → KERN_INVALID_VALUE; index 0 → KERN_FAILURE; index above the table → KERN_NO_SPACE',
    'xnu:osfmk/ipc/mach_port.c:mach_port_allocate_name; ipc_entry.c:ipc_entry_alloc_name',
    ({ api, task }) => {
      const R = C.MACH_PORT_RIGHT_RECEIVE;
      expectMachError(() => api.mach_port_allocate_name(task, R, C.MACH_PORT_NULL), 'KERN_INVALID_VALUE');
      expectMachError(() => api.mach_port_allocate_name(task, R, C.MACH_PORT_DEAD), 'KERN_INVALID_VALUE');
      const free = unusedName(api, 0x5200);
      expectMachError(() => api.mach_port_allocate_name(task, R, free & ~3), 'KERN_INVALID_VALUE');
      expectMachError(() => api.mach_port_allocate_name(task, R, (free & ~3) | 1), 'KERN_INVALID_VALUE');
      expectMachError(() => api.mach_port_allocate_name(task, R, 0x7a), 'KERN_INVALID_VALUE');
      expectMachError(() => api.mach_port_allocate_name(task, R, 0x7b), 'KERN_FAILURE');
      expectMachError(() => api.mach_port_allocate_name(task, R, 0xffffff03), 'KERN_NO_SPACE');
      expect(isGone(api, free)).toBe(true);
    },
  );

  conformance(
    'S6 a chosen name whose index is live under another generation → KERN_FAILURE',
    'xnu:osfmk/ipc/ipc_entry.c:ipc_entry_alloc_name (case #4: collisions are not allowed)',
    ({ api, task }) => {
      const name = unusedName(api, 0x6200);
      api.mach_port_allocate_name(task, C.MACH_PORT_RIGHT_RECEIVE, name);
      const other = (name + 4) >>> 0; // same index, next generation
      expectMachError(() => api.mach_port_allocate_name(task, C.MACH_PORT_RIGHT_RECEIVE, other), 'KERN_FAILURE');
      expectMachError(() => api.mach_port_allocate_name(task, C.MACH_PORT_RIGHT_PORT_SET, other), 'KERN_FAILURE');
    },
  );

  conformance(
    'S7 a freed index is reused first with the generation advanced by 4',
    'xnu:osfmk/ipc/ipc_entry.c:ipc_entry_dealloc (pushes the index on the free list head), ipc_entry_claim, ipc_entry.h:ipc_entry_new_gen',
    ({ api, task }) => {
      const a = port(api);
      api.mach_port_destroy(task, a);
      const b = port(api);
      expect(C.MACH_PORT_INDEX(b)).toBe(C.MACH_PORT_INDEX(a));
      expect(b & 0xff).toBe(((a & 0xff) + 4) & 0xff);
    },
    { needs: ['fresh-space'] },
  );

  conformance(
    'S7 a stale name of a reused index is not a right any more (KERN_INVALID_NAME)',
    'xnu:osfmk/ipc/ipc_entry.c:ipc_entry_lookup (generation must match)',
    ({ api, task }) => {
      const a = port(api);
      api.mach_port_destroy(task, a);
      const b = port(api);
      if (b !== a) expect(isGone(api, a)).toBe(true);
      expectMachError(() => api.mach_port_type(task, a), 'KERN_INVALID_NAME');
      expect(typeOf(api, b)).toBe(C.MACH_PORT_TYPE_RECEIVE);
    },
  );

  conformance(
    'S35 mach_port_names lists every right with its type, names ascending by index',
    'xnu:osfmk/ipc/mach_port.c:mach_port_names, mach_port_names_helper',
    ({ api, task }) => {
      const r = port(api);
      const sr = portWithSend(api);
      const s = portSet(api);
      const d = api.mach_port_allocate(task, C.MACH_PORT_RIGHT_DEAD_NAME);
      const o = sendOnce(api, r);
      const { names, types } = api.mach_port_names(task);
      const m = new Map(Array.from(names, (n, i) => [n, types[i]!]));
      expect(m.get(r)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      expect(m.get(sr)).toBe(C.MACH_PORT_TYPE_SEND_RECEIVE);
      expect(m.get(s)).toBe(C.MACH_PORT_TYPE_PORT_SET);
      expect(m.get(d)).toBe(C.MACH_PORT_TYPE_DEAD_NAME);
      expect(m.get(o)).toBe(C.MACH_PORT_TYPE_SEND_ONCE);
      expect(m.get(task)! & C.MACH_PORT_TYPE_SEND).toBe(C.MACH_PORT_TYPE_SEND);
      const indices = Array.from(names, (n) => C.MACH_PORT_INDEX(n));
      expect(indices).toEqual([...indices].sort((x, y) => x - y));
      expect(new Set(indices).size).toBe(indices.length);
    },
  );

  conformance(
    'S35 mach_port_names forgets destroyed names and reports types consistent with mach_port_type',
    'xnu:osfmk/ipc/mach_port.c:mach_port_names, mach_port_type',
    ({ api, task }) => {
      const made = [port(api), portSet(api), portWithSend(api)];
      api.mach_port_destroy(task, made[0]!);
      const m = namesMap(api);
      expect(m.has(made[0]!)).toBe(false);
      for (const n of made.slice(1)) expect(api.mach_port_type(task, n)).toBe(m.get(n));
      expect(m.get(made[1]!)).toBe(C.MACH_PORT_TYPE_PORT_SET);
      expect(m.get(made[2]!)).toBe(C.MACH_PORT_TYPE_SEND_RECEIVE);
    },
  );

  conformance(
    'S35 mach_port_names returns natural_t arrays: two Uint32Arrays of equal length, fresh on every call and owned by the caller',
    'xnu:osfmk/ipc/mach_port.c:mach_port_names (mach_port_name_array_t, mach_port_type_array_t)',
    ({ api, task }) => {
      const r = port(api);
      const s = portSet(api);
      const first = api.mach_port_names(task);
      expect(first.names).toBeInstanceOf(Uint32Array);
      expect(first.types).toBeInstanceOf(Uint32Array);
      expect(first.types.length).toBe(first.names.length);
      expect(first.names.length).toBeGreaterThanOrEqual(3);
      expect(first.names).toContain(r);
      expect(first.names).toContain(s);
      const names = Array.from(first.names);
      const types = Array.from(first.types);
      const second = api.mach_port_names(task);
      // Distinct arrays over distinct memory.
      expect(second.names).not.toBe(first.names);
      expect(second.types).not.toBe(first.types);
      expect(second.names.buffer).not.toBe(first.names.buffer);
      expect(second.types.buffer).not.toBe(first.types.buffer);
      expect(second.names.buffer).not.toBe(second.types.buffer);
      // Scribbling over one result changes neither the space nor the next result.
      first.names.fill(0);
      first.types.fill(0xffffffff);
      expect(Array.from(second.names)).toEqual(names);
      expect(Array.from(second.types)).toEqual(types);
      const third = api.mach_port_names(task);
      expect(Array.from(third.names)).toEqual(names);
      expect(Array.from(third.types)).toEqual(types);
      expect(typeOf(api, r)).toBe(C.MACH_PORT_TYPE_RECEIVE);
      expect(typeOf(api, s)).toBe(C.MACH_PORT_TYPE_PORT_SET);
      // The same holds of the second result: mutating it leaves a fourth call alone.
      second.names[0] = 0;
      expect(api.mach_port_names(task).names[0]).toBe(names[0]);
    },
  );

  conformance(
    'S1/S4 property: random allocate/destroy sequences keep names unique, typed and valid',
    'xnu:osfmk/ipc/ipc_entry.c:ipc_entry_claim, ipc_entry_dealloc; mach_port.c:mach_port_allocate_full, mach_port_destroy',
    ({ api, task }) => {
      const rights = [C.MACH_PORT_RIGHT_RECEIVE, C.MACH_PORT_RIGHT_PORT_SET, C.MACH_PORT_RIGHT_DEAD_NAME];
      const typeOfRight = [C.MACH_PORT_TYPE_RECEIVE, C.MACH_PORT_TYPE_PORT_SET, C.MACH_PORT_TYPE_DEAD_NAME];
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(2), fc.nat(50)), { maxLength: 40 }), (ops) => {
          const live = new Map<number, number>();
          for (const [alloc, which, pick] of ops) {
            if (alloc || live.size === 0) {
              const n = api.mach_port_allocate(task, rights[which]!);
              expect(live.has(n)).toBe(false);
              expect(n & 3).toBe(3);
              live.set(n, typeOfRight[which]!);
            } else {
              const n = [...live.keys()][pick % live.size]!;
              api.mach_port_destroy(task, n);
              live.delete(n);
              expect(isGone(api, n)).toBe(true);
            }
          }
          for (const [n, t] of live) expect(typeOf(api, n)).toBe(t);
          for (const n of live.keys()) api.mach_port_destroy(task, n);
        }),
        { numRuns: 30 },
      );
    },
  );
});
