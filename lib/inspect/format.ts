/**
 * Output forms of an inspection: the readable table, in the spirit of Apple's lsmp, and
 * the JSON document with schema `machport.lsmp/1` (see docs/LSMP.md).
 * @module
 */
import * as C from '../constants.js';
import { PORT_FLAGS } from './names.js';
import type { Holder, InspectionReport, Peer, PortEntry, TaskInspection, Unreadable } from './types.js';

/** The JSON schema identifier of {@link toLsmpJson}'s output. */
export const LSMP_SCHEMA = 'machport.lsmp/1';

/** `0x` and 8 hex digits, as lsmp prints names and identities. */
export function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

/** `0x` and 16 hex digits, for 64-bit contexts. */
export function hex64(n: bigint): string {
  return `0x${BigInt.asUintN(64, n).toString(16).padStart(16, '0')}`;
}

// ---------------------------------------------------------------------------
// Table

interface Column {
  header: string;
  width: number;
  right?: boolean;
}

const COLUMNS: Column[] = [
  { header: 'name', width: 10 },
  { header: 'ipc-object', width: 10 },
  { header: 'rights', width: 10 },
  { header: 'flags', width: 8 },
  { header: 'reqs', width: 4 },
  { header: 'recv', width: 4, right: true },
  { header: 'send', width: 5, right: true },
  { header: 'sonce', width: 5, right: true },
  { header: 'oref', width: 4 },
  { header: 'mscount', width: 7, right: true },
  { header: 'qlimit', width: 6, right: true },
  { header: 'msgcount', width: 8, right: true },
  { header: 'identifier', width: 10 },
  { header: 'type / peer', width: 0 },
];

type Cells = [string, string, string, string, string, string, string, string, string, string, string, string, string, string];

function row(cells: Cells): string {
  const parts = cells.map((c, i) => {
    const col = COLUMNS[i]!;
    if (col.width === 0) return c;
    return col.right ? c.padStart(col.width) : c.padEnd(col.width);
  });
  return parts.join('  ').trimEnd();
}

const NO_FLAGS = '-'.repeat(PORT_FLAGS.length);

function flagLetters(bits: number): string {
  return PORT_FLAGS.map((f) => ((bits & f.bit) !== 0 ? f.letter : '-')).join('');
}

function reqLetters(p: PortEntry): string {
  return (
    (p.requests.includes('dead-name') ? 'D' : '-') +
    (p.requests.includes('no-senders') ? 'N' : '-') +
    (p.requests.includes('port-destroyed') ? 'P' : '-')
  );
}

function rightsLabel(p: { rights: readonly string[] }): string {
  const r = p.rights;
  if (r.includes('receive')) return r.includes('send') ? 'recv,send' : 'recv';
  if (r.includes('port-set')) return 'port-set';
  if (r.includes('dead-name')) return 'dead-name';
  if (r.includes('send-once')) return r.includes('send') ? 'send,sonce' : 'send-once';
  if (r.includes('send')) return 'send';
  return '-';
}

function proc(pid: number | undefined, process: string | undefined): string {
  return `(${pid ?? '-'}) ${process ?? 'Unknown Process'}`;
}

function receiveCells(p: PortEntry, nameCell: string, identifier: string, tail: string): Cells {
  const r = p.receive!;
  return [
    nameCell,
    hex32(p.object),
    rightsLabel(p),
    flagLetters(r.flagBits),
    reqLetters(p),
    '1',
    String(p.rights.includes('send') ? p.urefs : 0),
    String(r.sorights),
    r.srights ? 'Y' : 'N',
    String(r.mscount),
    String(r.qlimit),
    String(r.msgcount),
    identifier,
    tail,
  ];
}

function holderRow(h: Holder): string {
  const so = h.rights.includes('send-once');
  return row([
    '',
    '+',
    so && !h.rights.includes('send') ? 'send-once' : 'send',
    '',
    `${h.deadNameRequest ? 'D' : '-'}--`,
    '',
    so ? '' : String(h.urefs),
    '',
    '',
    '',
    '<-',
    '',
    hex32(h.name),
    proc(h.pid, h.process),
  ]);
}

function sendRow(p: PortEntry, self: TaskInspection): string {
  const base: Cells = [
    hex32(p.name),
    hex32(p.object),
    rightsLabel(p),
    NO_FLAGS,
    reqLetters(p),
    '',
    p.rights.includes('send') ? String(p.urefs) : '',
    '',
    '',
    '',
    '',
    '',
    '',
    '',
  ];
  const peer = p.peer;
  if (p.kobject) {
    base[12] = hex32(p.object);
    let tail = p.kobject.label + (p.kobject.description && p.kobject.type !== C.IKOT_TASK_ID_TOKEN ? ` ${p.kobject.description}` : '');
    const t = p.kobject.task;
    if (t) tail += t.self ? ` SELF ${proc(t.pid, t.process)}` : ` ${proc(t.pid, t.process)}`;
    base[13] = tail;
  } else if (peer?.state === 'task') {
    base[8] = '->';
    if (peer.qlimit !== undefined) base[10] = String(peer.qlimit);
    if (peer.msgcount !== undefined) base[11] = String(peer.msgcount);
    if (peer.name !== undefined) base[12] = hex32(peer.name);
    base[13] = proc(peer.pid, peer.process) + (peer.pid === self.pid ? ' (this task)' : '');
  } else if (peer?.state === 'dead') {
    base[8] = '->';
    base[13] = '(dead port: a dead name once looked up)';
  } else if (peer?.state === 'service') {
    base[8] = '->';
    base[13] = `(emulated service: ${peer.process ?? '?'})`;
  } else if (peer?.state === 'in-transit') {
    base[8] = '->';
    base[13] = '(receive right in transit)';
  } else {
    base[12] = hex32(0);
    base[13] = proc(peer?.pid, peer?.process);
  }
  return row(base);
}

/**
 * The records of `t`, and a look-up by name. While `ports` has not been read or replaced,
 * they come from the inspection's table one at a time, so a large space is printed
 * without every record existing at once; otherwise from `ports` as they are.
 */
function rowsOf(t: TaskInspection): { rows: Iterable<PortEntry>; byName: (name: number) => PortEntry | undefined } {
  const table = t.table;
  if (table !== undefined && typeof Object.getOwnPropertyDescriptor(t, 'ports')?.get === 'function') {
    return {
      rows: table,
      byName: (name) => {
        const i = table.indexOf(name);
        return i < 0 ? undefined : table.entry(i);
      },
    };
  }
  const map = new Map<number, PortEntry>();
  for (const p of t.ports) map.set(p.name, p);
  return { rows: t.ports, byName: (name) => map.get(name) };
}

/** The lines of one task's table, with the summary counts at the end. */
export function formatTaskTable(t: TaskInspection): string[] {
  const lines: string[] = [];
  lines.push(`Process (${t.pid}) : ${t.process}${t.self ? ' (this process)' : ''}`);
  lines.push(row(COLUMNS.map((c) => c.header) as Cells));
  lines.push(row(COLUMNS.map((c) => '-'.repeat(c.width || c.header.length)) as Cells));
  const { rows, byName } = rowsOf(t);
  for (const p of rows) {
    if (p.members) {
      lines.push(
        row([hex32(p.name), hex32(p.object), 'port-set', NO_FLAGS, reqLetters(p), '', '', '', '', '', '', '', '', `${p.members.length} member${p.members.length === 1 ? '' : 's'}`]),
      );
      for (const m of p.members) {
        const mp = byName(m);
        if (mp?.receive) lines.push(row(receiveCells(mp, ' -', hex32(mp.name), proc(t.pid, t.process))));
        else lines.push(row([' -', '', '', '', '', '', '', '', '', '', '', '', hex32(m), '(member not found)']));
      }
    } else if (p.receive) {
      const sets = p.receive.sets;
      const tail = sets.length ? `member of ${sets.map(hex32).join(', ')}` : '';
      lines.push(row(receiveCells(p, hex32(p.name), '', tail)));
      for (const h of p.holders ?? []) lines.push(holderRow(h));
    } else if (p.rights.includes('dead-name')) {
      lines.push(row([hex32(p.name), hex32(p.object), 'dead-name', NO_FLAGS, reqLetters(p), '', String(p.urefs), '', '', '', '', '', '', '']));
    } else {
      lines.push(sendRow(p, t));
    }
  }
  const s = t.summary;
  lines.push('');
  lines.push(`total     = ${s.total}`);
  lines.push(`SEND      = ${s.send}`);
  lines.push(`RECEIVE   = ${s.receive}`);
  lines.push(`SEND_ONCE = ${s.sendOnce}`);
  lines.push(`PORT_SET  = ${s.portSet}`);
  lines.push(`DEAD_NAME = ${s.deadName}`);
  lines.push(`DNREQUEST = ${s.dnrequest}`);
  return lines;
}

/** One line per task that could not be read. */
export function formatUnreadable(u: Unreadable[]): string[] {
  if (u.length === 0) return [];
  const lines = [`Could not read ${u.length} process${u.length === 1 ? '' : 'es'}:`];
  for (const x of u) lines.push(`  (${x.pid}) ${x.process ?? '?'}: ${x.error}`);
  return lines;
}

/** The lines of a whole report: each task's table, separated by blank lines, then what could not be read. */
export function formatReport(report: InspectionReport): string[] {
  const lines: string[] = [];
  report.tasks.forEach((t, i) => {
    if (i > 0) lines.push('', '');
    lines.push(...formatTaskTable(t));
  });
  const u = formatUnreadable(report.unreadable);
  if (u.length) {
    if (lines.length) lines.push('');
    lines.push(...u);
  }
  return lines;
}

// ---------------------------------------------------------------------------
// JSON

/** A port entry in the JSON document (names, identities and contexts as hex strings). */
export interface LsmpJsonPort {
  name: string;
  object: string;
  type: string;
  rights: string[];
  urefs: number;
  requests: string[];
  receive: {
    qlimit: number;
    msgcount: number;
    seqno: number;
    mscount: number;
    sorights: number;
    srights: boolean;
    flags: string[];
    flagBits: number;
    context: string;
    boosts: number;
    sets: string[];
  } | null;
  members: string[] | null;
  kobject: { type: number; typeName: string; label: string; description?: string; task?: { pid: number; process: string; self: boolean } } | null;
  peer: (Omit<Peer, 'name'> & { name?: string }) | null;
  holders: Array<{ pid: number; process: string; name: string; rights: string[]; urefs: number; deadNameRequest: boolean }> | null;
}

/** A task in the JSON document. */
export interface LsmpJsonTask {
  pid: number;
  process: string;
  self: boolean;
  ports: LsmpJsonPort[];
  summary: TaskInspection['summary'];
}

/** The JSON document `machport lsmp --json` prints. */
export interface LsmpJson {
  schema: typeof LSMP_SCHEMA;
  backend: InspectReportBackend;
  tasks: LsmpJsonTask[];
  unreadable: Unreadable[];
  /** Present when the tasks are a kernel host's: its socket (null for a worker's MessagePort) and pid. */
  kernelHost?: { socket: string | null; pid: number };
}

type InspectReportBackend = InspectionReport['backend'];

/** A peer with its port name as a hex string. */
export function peerJson(peer: Peer): NonNullable<LsmpJsonPort['peer']> {
  const { name, ...rest } = peer;
  return name !== undefined ? { ...rest, name: hex32(name) } : rest;
}

function portJson(p: PortEntry): LsmpJsonPort {
  return {
    name: hex32(p.name),
    object: hex32(p.object),
    type: hex32(p.type),
    rights: [...p.rights],
    urefs: p.urefs,
    requests: [...p.requests],
    receive: p.receive
      ? {
          qlimit: p.receive.qlimit,
          msgcount: p.receive.msgcount,
          seqno: p.receive.seqno,
          mscount: p.receive.mscount,
          sorights: p.receive.sorights,
          srights: p.receive.srights,
          flags: [...p.receive.flags],
          flagBits: p.receive.flagBits,
          context: hex64(p.receive.context),
          boosts: p.receive.boosts,
          sets: p.receive.sets.map(hex32),
        }
      : null,
    members: p.members ? p.members.map(hex32) : null,
    kobject: p.kobject ? { ...p.kobject, ...(p.kobject.task ? { task: { ...p.kobject.task } } : {}) } : null,
    peer: p.peer ? peerJson(p.peer) : null,
    holders: p.holders ? p.holders.map((h) => ({ ...h, name: hex32(h.name), rights: [...h.rights] })) : null,
  };
}

/** The JSON document for a report (schema `machport.lsmp/1`). */
export function toLsmpJson(report: InspectionReport): LsmpJson {
  const doc: LsmpJson = {
    schema: LSMP_SCHEMA,
    backend: report.backend,
    tasks: report.tasks.map((t) => ({ pid: t.pid, process: t.process, self: t.self, ports: Array.from(rowsOf(t).rows, portJson), summary: { ...t.summary } })),
    unreadable: report.unreadable.map((u) => ({ ...u })),
  };
  if (report.kernelHost) doc.kernelHost = { ...report.kernelHost };
  return doc;
}
