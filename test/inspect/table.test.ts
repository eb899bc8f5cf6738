/**
 * PortTable: an inspection holds its names in columns and builds the PortEntry records
 * from them when `ports` is first read. The records must be what the streaming form
 * (inspectTaskPorts, built straight from the space) gives; the inspection must stay a
 * snapshot; and the object must look as before to JSON, spreading and deep equality.
 */
import { describe, expect, it } from 'vitest';
import {
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_NOTIFY_DEAD_NAME,
  MACH_NOTIFY_NO_SENDERS,
  MACH_NOTIFY_PORT_DESTROYED,
  MACH_PORT_RIGHT_PORT_SET,
  MACH_PORT_RIGHT_RECEIVE,
} from '../../lib/constants.js';
import { Kernel } from '../../lib/emulator/index.js';
import { formatTaskTable, toLsmpJson } from '../../lib/inspect/format.js';
import { inspectTask, inspectTaskPorts } from '../../lib/inspect/inspect.js';
import { PortTable } from '../../lib/inspect/table.js';

/** A task with a receive right in a set, requests of every kind, a context, and a peer's send right. */
function scene() {
  const kernel = new Kernel({ seed: 9 });
  const a = kernel.createTask({ name: 'a', pid: 501 });
  const b = kernel.createTask({ name: 'b', pid: 502 });
  const self = a.mach_task_self();
  const port = a.mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE);
  a.mach_port_insert_right(self, port, port, MACH_MSG_TYPE_MAKE_SEND);
  a.mach_port_set_context(self, port, 0xfedcba9876543210n);
  const set = a.mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET);
  a.mach_port_move_member(self, port, set);
  const notify = a.mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE);
  a.mach_port_request_notification(self, port, MACH_NOTIFY_NO_SENDERS, 0, notify, MACH_MSG_TYPE_MAKE_SEND_ONCE);
  a.mach_port_request_notification(self, port, MACH_NOTIFY_PORT_DESTROYED, 0, notify, MACH_MSG_TYPE_MAKE_SEND_ONCE);
  const peer = b.bootstrap_check_in(b.bootstrap_port, 'com.example.table-peer');
  const toPeer = a.bootstrap_look_up(a.bootstrap_port, 'com.example.table-peer');
  a.mach_port_request_notification(self, toPeer, MACH_NOTIFY_DEAD_NAME, 0, notify, MACH_MSG_TYPE_MAKE_SEND_ONCE);
  return { kernel, a, b, port, set, notify, peer, toPeer };
}

describe('PortTable', () => {
  it('rows read as the records the space gives, including requests, contexts, sets and peers', () => {
    const { a, port, set, toPeer: peerName } = scene();
    const inspection = inspectTask(a);
    const table = inspection.table!;
    expect(table).toBeInstanceOf(PortTable);
    const streamed = [...inspectTaskPorts(a)];
    expect([...table]).toEqual(streamed);
    const row = table.entry(table.indexOf(port));
    expect(row.requests).toEqual(['no-senders', 'port-destroyed']);
    expect(row.receive?.context).toBe(0xfedcba9876543210n);
    expect(row.receive?.sets).toEqual([set]);
    expect(table.entry(table.indexOf(set)).members).toEqual([port]);
    const toPeer = table.entry(table.indexOf(peerName));
    expect(toPeer.peer).toMatchObject({ state: 'task', pid: 502, process: 'b' });
    expect(toPeer.requests).toEqual(['dead-name']);
  });

  it('builds ports when first read, keeps them, and stays a snapshot of the space', () => {
    const { a, port } = scene();
    const inspection = inspectTask(a);
    expect(typeof Object.getOwnPropertyDescriptor(inspection, 'ports')?.get).toBe('function');
    const before = inspection.table!.toArray();
    // Change the space after the inspection: neither the rows nor the records follow.
    a.mach_port_mod_refs(a.mach_task_self(), port, MACH_PORT_RIGHT_RECEIVE, -1);
    a.mach_port_allocate(a.mach_task_self(), MACH_PORT_RIGHT_RECEIVE);
    const ports = inspection.ports;
    expect(ports).toEqual(before);
    expect(Object.getOwnPropertyDescriptor(inspection, 'ports')?.value).toBe(ports);
    expect(inspection.ports).toBe(ports);
    expect(inspectTask(a).ports).not.toEqual(before);
  });

  it('looks as before to JSON, spreading and assignment; the table is not enumerable', () => {
    const { a } = scene();
    const inspection = inspectTask(a);
    expect(Object.keys(inspection)).toEqual(['backend', 'pid', 'process', 'self', 'ports', 'summary']);
    const json = JSON.parse(JSON.stringify(inspection, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
    expect(json.table).toBeUndefined();
    expect(json.ports).toHaveLength(inspection.table!.length);
    const copy = { ...inspectTask(a) };
    expect(copy.ports).toEqual(inspection.ports);
    expect('table' in copy).toBe(false);
    const other = inspectTask(a);
    other.ports = [];
    expect(other.ports).toEqual([]);
  });

  it('lsmp prints from the table the same lines and JSON as from the records', () => {
    const { a, b } = scene();
    const fromTable = inspectTask(a);
    const fromRecords = { ...inspectTask(a) };
    expect(formatTaskTable(fromTable)).toEqual(formatTaskTable(fromRecords));
    const report = (t: typeof fromTable) => ({ backend: 'emulator' as const, tasks: [t, inspectTask(b)], unreadable: [] });
    expect(toLsmpJson(report(inspectTask(a)))).toEqual(toLsmpJson(report(fromRecords)));
    // Records the caller replaced are what is printed.
    const edited = inspectTask(a);
    edited.ports = edited.ports.filter((p) => p.receive === null);
    expect(formatTaskTable(edited).length).toBeLessThan(formatTaskTable(fromTable).length);
    expect(typeof Object.getOwnPropertyDescriptor(fromTable, 'ports')?.get).toBe('function');
  });

  it('indexOf finds every name and only those; entry refuses rows outside the table', () => {
    const { a } = scene();
    const table = inspectTask(a).table!;
    for (let i = 0; i < table.length; i++) expect(table.indexOf(table.names[i]!)).toBe(i);
    expect(table.indexOf(0x7777_7703)).toBe(-1);
    expect(table.indexOf(0)).toBe(-1);
    expect(() => table.entry(table.length)).toThrow(RangeError);
    expect(() => table.entry(-1)).toThrow(RangeError);
    expect(() => table.entry(0.5)).toThrow(RangeError);
  });

  it('small tables carved from one slab never share bytes, and each reads as its own space', () => {
    const { a, b } = scene();
    const tables = [inspectTask(a).table!, inspectTask(b).table!, inspectTask(a).table!];
    const spans = tables.flatMap((t) => [t.names, t.types, t.urefs, t.objects]).map((v) => [v.byteOffset, v.byteOffset + v.byteLength, v.buffer] as const);
    for (const [i, x] of spans.entries()) {
      for (const y of spans.slice(i + 1)) if (x[2] === y[2]) expect(x[1] <= y[0] || y[1] <= x[0]).toBe(true);
    }
    // Writing into one table's column changes no other table.
    const before = tables.map((t) => t.toArray());
    tables[0]!.names.fill(0xffff_ffff);
    expect(tables[1]!.toArray()).toEqual(before[1]);
    expect(tables[2]!.toArray()).toEqual(before[2]);
  });

  it('holds a large space in columns of one buffer (about 50 bytes a name)', () => {
    const kernel = new Kernel({ seed: 1 });
    const t = kernel.createTask({ name: 'big' });
    for (let i = 0; i < 5000; i++) t.mach_port_allocate(t.mach_task_self(), MACH_PORT_RIGHT_RECEIVE);
    const table = inspectTask(t).table!;
    expect(table.length).toBeGreaterThanOrEqual(5000);
    expect(table.names.buffer).toBe(table.urefs.buffer);
    expect(table.names.buffer.byteLength / table.length).toBeLessThan(64);
  });
});
