/**
 * The guard pre-checks (lib/native/guards.ts) against a table of names, on every
 * platform: which calls XNU would answer with a fatal EXC_GUARD (and so must throw
 * MachGuardError instead of reaching the kernel), under the hardened and default policies.
 */
import { describe, expect, it } from 'vitest';
import * as C from '../../lib/constants.js';
import { MachGuardError } from '../../lib/errors.js';
import { GuardChecks, guardIsFatal, policyFromBehavior, type PortProbe } from '../../lib/native/guards.js';
import type { MachMsgDescriptor } from '../../lib/types.js';

interface Name {
  type: number;
  send?: number;
  dead?: number;
  flags?: number;
  context?: bigint;
  kobject?: number;
  pdrequest?: number;
}

const T = 0x203;
const RECV = 0x1103;
const SENDONLY = 0x1203;
const SO = 0x1303;
const DEADN = 0x1403;
const PSET = 0x1503;
const BOTH = 0x1603;
const TASKPORT = 0x1703;
const IMMOVABLE = 0x1803;
const VOUCHER = 0x1903;

function probe(names: Record<number, Name>): PortProbe {
  return {
    type: (_t, n) => names[n]?.type,
    refs: (_t, n, right) => (right === C.MACH_PORT_RIGHT_SEND ? names[n]?.send ?? 0 : names[n]?.dead ?? 0),
    receiveStatus: (_t, n) => (names[n] && (names[n]!.type & C.MACH_PORT_TYPE_RECEIVE) !== 0 ? { flags: names[n]!.flags ?? 0, pdrequest: names[n]!.pdrequest ?? 0 } : undefined),
    context: (_t, n) => ((names[n]?.flags ?? 0) & C.MACH_PORT_STATUS_FLAG_STRICT_GUARD ? 0n : names[n]?.context),
    kobjectType: (_t, n) => (names[n] && (names[n]!.type & C.MACH_PORT_TYPE_SEND_RECEIVE) !== 0 ? names[n]!.kobject ?? 0 : undefined),
  };
}

const table: Record<number, Name> = {
  [RECV]: { type: C.MACH_PORT_TYPE_RECEIVE },
  [SENDONLY]: { type: C.MACH_PORT_TYPE_SEND, send: 1 },
  [SO]: { type: C.MACH_PORT_TYPE_SEND_ONCE },
  [DEADN]: { type: C.MACH_PORT_TYPE_DEAD_NAME, dead: 2 },
  [PSET]: { type: C.MACH_PORT_TYPE_PORT_SET },
  [BOTH]: { type: C.MACH_PORT_TYPE_SEND_RECEIVE, send: 2 },
  [TASKPORT]: { type: C.MACH_PORT_TYPE_SEND, send: 1, kobject: C.IKOT_TASK_CONTROL },
  [IMMOVABLE]: { type: C.MACH_PORT_TYPE_RECEIVE, flags: C.MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE },
  [VOUCHER]: { type: C.MACH_PORT_TYPE_SEND, send: 1, kobject: C.IKOT_VOUCHER },
};

const hardened = () => new GuardChecks(probe(table), 'hardened');
const lenient = () => new GuardChecks(probe(table), 'default');

function reasonOf(f: () => void): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (e instanceof MachGuardError) return e.reasonName;
    throw e;
  }
}

describe('guard policy', () => {
  it('codes up to 128 are always fatal; optional codes only under the hardened policy', () => {
    expect(guardIsFatal(C.kGUARD_EXC_DESTROY, 'default')).toBe(true);
    expect(guardIsFatal(C.kGUARD_EXC_INVALID_OPTIONS, 'default')).toBe(true);
    expect(guardIsFatal(C.kGUARD_EXC_INVALID_NAME, 'default')).toBe(false);
    expect(guardIsFatal(C.kGUARD_EXC_INVALID_NAME, 'hardened')).toBe(true);
    expect(guardIsFatal(C.kGUARD_EXC_RCV_INVALID_NAME, 'hardened')).toBe(true);
    expect(guardIsFatal(1 << 21, 'hardened')).toBe(false); // MOD_REFS_NON_FATAL
    expect(policyFromBehavior(0x99)).toBe('hardened');
    expect(policyFromBehavior(0x19)).toBe('default');
    expect(policyFromBehavior(undefined)).toBe('hardened');
  });
});

describe('mach_port_deallocate / mod_refs / destroy', () => {
  it('deallocate: unknown name and receive-only name', () => {
    expect(reasonOf(() => hardened().deallocate(T, 0x9903))).toBe('kGUARD_EXC_INVALID_NAME');
    expect(reasonOf(() => hardened().deallocate(T, RECV))).toBe('kGUARD_EXC_INVALID_RIGHT');
    expect(reasonOf(() => hardened().deallocate(T, BOTH))).toBeUndefined();
    expect(reasonOf(() => hardened().deallocate(T, C.MACH_PORT_DEAD))).toBeUndefined();
    expect(reasonOf(() => lenient().deallocate(T, RECV))).toBeUndefined();
  });

  it('mod_refs follows ipc_right_delta', () => {
    const g = hardened();
    expect(reasonOf(() => g.modRefs(T, RECV, C.MACH_PORT_RIGHT_SEND, -1))).toBe('kGUARD_EXC_INVALID_RIGHT');
    expect(reasonOf(() => g.modRefs(T, RECV, C.MACH_PORT_RIGHT_SEND, 1))).toBeUndefined(); // no guard for +1 on a receive right
    expect(reasonOf(() => g.modRefs(T, SENDONLY, C.MACH_PORT_RIGHT_SEND, -2))).toBe('kGUARD_EXC_INVALID_VALUE');
    expect(reasonOf(() => g.modRefs(T, SENDONLY, C.MACH_PORT_RIGHT_SEND, -1))).toBeUndefined();
    expect(reasonOf(() => g.modRefs(T, RECV, C.MACH_PORT_RIGHT_RECEIVE, 1))).toBe('kGUARD_EXC_INVALID_VALUE');
    expect(reasonOf(() => g.modRefs(T, RECV, C.MACH_PORT_RIGHT_SEND_ONCE, -1))).toBeUndefined(); // plain KERN_INVALID_RIGHT
    expect(reasonOf(() => g.modRefs(T, SO, C.MACH_PORT_RIGHT_SEND_ONCE, 1))).toBe('kGUARD_EXC_INVALID_VALUE');
    expect(reasonOf(() => g.modRefs(T, DEADN, C.MACH_PORT_RIGHT_DEAD_NAME, -3))).toBe('kGUARD_EXC_INVALID_VALUE');
    expect(reasonOf(() => g.modRefs(T, SENDONLY, C.MACH_PORT_RIGHT_DEAD_NAME, -1))).toBe('kGUARD_EXC_INVALID_RIGHT');
    expect(reasonOf(() => g.modRefs(T, PSET, C.MACH_PORT_RIGHT_PORT_SET, -2))).toBe('kGUARD_EXC_INVALID_VALUE');
    expect(reasonOf(() => g.modRefs(T, SENDONLY, 7, -1))).toBeUndefined(); // KERN_INVALID_VALUE before any lookup
    expect(reasonOf(() => g.modRefs(T, 0x9903, C.MACH_PORT_RIGHT_SEND, -1))).toBe('kGUARD_EXC_INVALID_NAME');
  });

  it('guarded receive rights: destroy and mod_refs(RECEIVE, -1) are fatal DESTROY guards under any policy', () => {
    const names = { ...table, [RECV]: { type: C.MACH_PORT_TYPE_RECEIVE, flags: C.MACH_PORT_STATUS_FLAG_GUARDED, context: 5n } };
    const g = new GuardChecks(probe(names), 'default');
    expect(reasonOf(() => g.destroy(T, RECV))).toBe('kGUARD_EXC_DESTROY');
    expect(reasonOf(() => g.modRefs(T, RECV, C.MACH_PORT_RIGHT_RECEIVE, -1))).toBe('kGUARD_EXC_DESTROY');
    expect(reasonOf(() => g.destruct(T, RECV, 0, 6n))).toBe('kGUARD_EXC_DESTROY');
    expect(reasonOf(() => g.destruct(T, RECV, 0, 5n))).toBeUndefined();
    expect(reasonOf(() => g.unguard(T, RECV, 6n))).toBe('kGUARD_EXC_INCORRECT_GUARD');
    expect(reasonOf(() => g.guard(T, RECV))).toBe(undefined); // INVALID_ARGUMENT is optional: not fatal by default
    expect(reasonOf(() => new GuardChecks(probe(names), 'hardened').guard(T, RECV))).toBe('kGUARD_EXC_INVALID_ARGUMENT');
    expect(reasonOf(() => g.unguard(T, BOTH, 0n))).toBe('kGUARD_EXC_UNGUARDED');
  });

  it('a second port-destroyed request is a KERN_FAILURE guard', () => {
    const names = { ...table, [RECV]: { type: C.MACH_PORT_TYPE_RECEIVE, pdrequest: 1 } };
    expect(reasonOf(() => new GuardChecks(probe(names), 'hardened').requestNotification(T, RECV, C.MACH_NOTIFY_PORT_DESTROYED, 0))).toBe(
      'kGUARD_EXC_KERN_FAILURE',
    );
  });

  it('port-set membership needs a receive right and a set', () => {
    expect(reasonOf(() => hardened().member(T, SENDONLY, PSET, 'mach_port_insert_member'))).toBe('kGUARD_EXC_INVALID_RIGHT');
    expect(reasonOf(() => hardened().member(T, RECV, RECV, 'mach_port_insert_member'))).toBe('kGUARD_EXC_INVALID_RIGHT');
    expect(reasonOf(() => hardened().member(T, RECV, PSET, 'mach_port_insert_member'))).toBeUndefined();
    expect(reasonOf(() => hardened().member(T, 0x9903, PSET, 'mach_port_insert_member'))).toBeUndefined(); // plain KERN_INVALID_NAME
  });
});

describe('mach_msg', () => {
  const header = (dest: number, destDisp: number, reply = 0, replyDisp = 0, complex = false) => ({
    msgh_bits: (C.MACH_MSGH_BITS(destDisp, replyDisp) | (complex ? C.MACH_MSGH_BITS_COMPLEX : 0)) >>> 0,
    msgh_remote_port: dest,
    msgh_local_port: reply,
    msgh_id: 1,
  });
  const port = (name: number, disposition: number): MachMsgDescriptor => ({ type: C.MACH_MSG_PORT_DESCRIPTOR, name, disposition });

  it('receive on a name that is neither a receive right nor a set', () => {
    expect(reasonOf(() => hardened().receive(T, SENDONLY))).toBe('kGUARD_EXC_RCV_INVALID_NAME');
    expect(reasonOf(() => hardened().receive(T, 0x9903))).toBeUndefined(); // unknown: plain MACH_RCV_INVALID_NAME
    expect(reasonOf(() => hardened().receive(T, PSET))).toBeUndefined();
  });

  it('a plain message to a kernel object, under any policy', () => {
    expect(reasonOf(() => lenient().send(T, header(TASKPORT, C.MACH_MSG_TYPE_COPY_SEND), undefined))).toBe('kGUARD_EXC_INVALID_OPTIONS');
    expect(reasonOf(() => lenient().send(T, header(BOTH, C.MACH_MSG_TYPE_COPY_SEND), undefined))).toBeUndefined();
  });

  it('mk_timer ports: the only kernel objects with a receive right in user space, refused only for a hardened IPC policy', () => {
    const TIMER = 0x1a03;
    const names = { ...table, [TIMER]: { type: C.MACH_PORT_TYPE_RECEIVE, kobject: C.IKOT_TIMER } };
    const asked: number[] = [];
    const p = probe(names);
    const counting: PortProbe = { ...p, kobjectType: (t, n) => (asked.push(n), p.kobjectType(t, n)) };
    const plain = new GuardChecks(counting, 'default', false);
    expect(reasonOf(() => plain.send(T, header(TIMER, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), undefined))).toBeUndefined();
    expect(reasonOf(() => plain.send(T, header(BOTH, C.MACH_MSG_TYPE_COPY_SEND), undefined))).toBeUndefined();
    expect(asked).toEqual([]); // a receive right of ours is IKOT_NONE or IKOT_TIMER: nothing to ask
    expect(reasonOf(() => plain.send(T, header(TASKPORT, C.MACH_MSG_TYPE_COPY_SEND), undefined))).toBe('kGUARD_EXC_INVALID_OPTIONS');
    const hardenedIpc = new GuardChecks(counting, 'default', true);
    expect(reasonOf(() => hardenedIpc.send(T, header(TIMER, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), undefined))).toBe('kGUARD_EXC_INVALID_OPTIONS');
    expect(asked).toEqual([TASKPORT, TIMER]);
  });

  it('send urefs are asked only for a name named again after a MOVE_SEND', () => {
    const asked: number[] = [];
    const p = probe(table);
    const counting: PortProbe = { ...p, refs: (t, n, r) => (asked.push(n), p.refs(t, n, r)) };
    const g = new GuardChecks(counting, 'hardened');
    const h = header(BOTH, C.MACH_MSG_TYPE_MOVE_SEND, 0, 0, true);
    expect(reasonOf(() => g.send(T, h, [port(SENDONLY, C.MACH_MSG_TYPE_MOVE_SEND), port(DEADN, C.MACH_MSG_TYPE_MOVE_SEND)]))).toBeUndefined();
    expect(asked).toEqual([]);
    // BOTH has 2 urefs: a second MOVE_SEND is fine, a third is not.
    expect(reasonOf(() => g.send(T, h, [port(BOTH, C.MACH_MSG_TYPE_MOVE_SEND)]))).toBeUndefined();
    expect(asked).toEqual([BOTH]);
    expect(reasonOf(() => g.send(T, h, [port(BOTH, C.MACH_MSG_TYPE_MOVE_SEND), port(BOTH, C.MACH_MSG_TYPE_COPY_SEND)]))).toBe(
      'kGUARD_EXC_SEND_INVALID_RIGHT',
    );
  });

  it('reply rights', () => {
    const g = hardened();
    expect(reasonOf(() => g.send(T, header(BOTH, C.MACH_MSG_TYPE_COPY_SEND, SENDONLY, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), undefined))).toBe(
      'kGUARD_EXC_SEND_INVALID_REPLY',
    );
    expect(reasonOf(() => g.send(T, header(BOTH, C.MACH_MSG_TYPE_COPY_SEND, DEADN, C.MACH_MSG_TYPE_COPY_SEND), undefined))).toBe(
      'kGUARD_EXC_SEND_INVALID_REPLY',
    );
    expect(reasonOf(() => g.send(T, header(BOTH, C.MACH_MSG_TYPE_COPY_SEND, RECV, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), undefined))).toBeUndefined();
    // An invalid destination is MACH_SEND_INVALID_DEST, checked before the reply, with no guard.
    expect(reasonOf(() => g.send(T, header(0x9903, C.MACH_MSG_TYPE_COPY_SEND, SENDONLY, C.MACH_MSG_TYPE_MAKE_SEND_ONCE), undefined))).toBeUndefined();
  });

  it('vouchers must be voucher send rights', () => {
    const g = hardened();
    const h = { ...header(BOTH, C.MACH_MSG_TYPE_COPY_SEND), msgh_voucher_port: SENDONLY };
    h.msgh_bits |= C.MACH_MSG_TYPE_COPY_SEND << 16;
    expect(reasonOf(() => g.send(T, h, undefined))).toBe('kGUARD_EXC_SEND_INVALID_VOUCHER');
    expect(reasonOf(() => g.send(T, { ...h, msgh_voucher_port: VOUCHER }, undefined))).toBeUndefined();
  });

  it('rights in descriptors, copied in left to right', () => {
    const g = hardened();
    const h = header(BOTH, C.MACH_MSG_TYPE_COPY_SEND, 0, 0, true);
    expect(reasonOf(() => g.send(T, h, [port(SENDONLY, C.MACH_MSG_TYPE_MAKE_SEND)]))).toBe('kGUARD_EXC_SEND_INVALID_RIGHT');
    expect(reasonOf(() => g.send(T, h, [port(SENDONLY, C.MACH_MSG_TYPE_MOVE_SEND), port(SENDONLY, C.MACH_MSG_TYPE_MOVE_SEND)]))).toBe(
      'kGUARD_EXC_SEND_INVALID_RIGHT',
    );
    expect(reasonOf(() => g.send(T, h, [port(DEADN, C.MACH_MSG_TYPE_MOVE_SEND)]))).toBeUndefined();
    expect(reasonOf(() => g.send(T, h, [port(RECV, C.MACH_MSG_TYPE_MOVE_RECEIVE), port(RECV, C.MACH_MSG_TYPE_MAKE_SEND)]))).toBe(
      'kGUARD_EXC_SEND_INVALID_RIGHT',
    );
    expect(reasonOf(() => g.send(T, h, [port(0x9903, C.MACH_MSG_TYPE_MOVE_SEND)]))).toBeUndefined(); // unknown name: no guard
    expect(reasonOf(() => lenient().send(T, h, [port(IMMOVABLE, C.MACH_MSG_TYPE_MOVE_RECEIVE)]))).toBe('kGUARD_EXC_IMMOVABLE');
    const ool: MachMsgDescriptor = { type: C.MACH_MSG_OOL_PORTS_DESCRIPTOR, names: [BOTH, SO], disposition: C.MACH_MSG_TYPE_COPY_SEND };
    expect(reasonOf(() => g.send(T, h, [ool]))).toBe('kGUARD_EXC_SEND_INVALID_RIGHT');
  });

  it('guarded port descriptors must carry the port\'s guard', () => {
    const names = { ...table, [RECV]: { type: C.MACH_PORT_TYPE_RECEIVE, flags: C.MACH_PORT_STATUS_FLAG_GUARDED, context: 9n } };
    const g = new GuardChecks(probe(names), 'default');
    const h = header(BOTH, C.MACH_MSG_TYPE_COPY_SEND, 0, 0, true);
    const desc = (context: bigint, flags = 0): MachMsgDescriptor => ({
      type: C.MACH_MSG_GUARDED_PORT_DESCRIPTOR,
      name: RECV,
      disposition: C.MACH_MSG_TYPE_MOVE_RECEIVE,
      context,
      flags,
    });
    expect(reasonOf(() => g.send(T, h, [desc(8n, C.MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE)]))).toBe('kGUARD_EXC_INCORRECT_GUARD');
    expect(reasonOf(() => g.send(T, h, [desc(9n, C.MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE)]))).toBeUndefined();
  });
});
