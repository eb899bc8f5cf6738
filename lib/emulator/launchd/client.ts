/**
 * The client side of bootstrap_check_in, bootstrap_look_up and bootstrap_register, as
 * liblaunch's MIG user stubs send them (launchd:liblaunch/libbootstrap.c, job.defs; layouts
 * in ./job_mig.ts). The request travels through the task's synchronous MIG path (the
 * bootstrap port is served inside the sender's mach_msg); the reply is checked as MIG user
 * stubs check it, and a BOOTSTRAP_* RetCode is thrown as MachError.
 * @module
 */
import {
  BOOTSTRAP_MAX_NAME_LEN,
  KERN_INVALID_ARGUMENT,
  MACH_MSG_PORT_DESCRIPTOR,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSG_TYPE_PORT_RECEIVE,
  MACH_MSG_TYPE_PORT_SEND,
  MACH_MSGH_BITS,
  MACH_MSGH_BITS_COMPLEX,
  MACH_NOTIFY_SEND_ONCE,
  MIG_REPLY_ID_OFFSET,
  MIG_REPLY_MISMATCH,
  MIG_SERVER_DIED,
  MIG_TYPE_ERROR,
} from '../../constants.js';
import { MachError } from '../../errors.js';
import type { MachMessage, PortDescriptor, ReceivedMessage } from '../../types.js';
import { MIG_REPLY_ERROR_SIZE, MigWriter } from '../kobject/mig.js';
import type { EmulatedTask } from '../task.js';
import { JOB_MIG, JOB_REPLY_SIZE, serviceNameBytes } from './job_mig.js';

/** A port name argument: a uint32 number, else TypeError. */
function portName(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new TypeError(`${what} must be a port name (a uint32 number)`);
  return v;
}

/**
 * A service name argument: a string, else TypeError. A name of BOOTSTRAP_MAX_NAME_LEN UTF-8
 * bytes or more, or one holding a NUL, is refused with KERN_INVALID_ARGUMENT before anything
 * is sent: liblaunch's stub would cut it to 127 bytes (mig_strncpy into a name_t) and
 * silently check in or look up another name. Refusing is what crashpad does
 * (util/mach/bootstrap.cc) and what the native backend does, so both backends agree.
 */
function serviceName(v: unknown, call: string): Uint8Array {
  if (typeof v !== 'string') throw new TypeError(`${call}: service_name must be a string`);
  const bytes = new TextEncoder().encode(v);
  if (bytes.length >= BOOTSTRAP_MAX_NAME_LEN || bytes.includes(0)) {
    throw new MachError(KERN_INVALID_ARGUMENT, `${call}: service names must be shorter than ${BOOTSTRAP_MAX_NAME_LEN} bytes and contain no NUL (launchd would truncate)`);
  }
  return serviceNameBytes(v);
}

/** The request header: COPY_SEND of the bootstrap port, a MAKE_SEND_ONCE reply. */
function header(bp: number, id: number, complex = false): MachMessage['header'] {
  const bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE) | (complex ? MACH_MSGH_BITS_COMPLEX : 0);
  return { msgh_bits: bits >>> 0, msgh_remote_port: bp, msgh_id: id };
}

/**
 * The user stub's check of a reply whose success form is complex with one port descriptor
 * of `disposition`: a simple reply must be a 36-byte error with RetCode ≠ 0.
 */
function portFromReply(reply: ReceivedMessage, id: number, size: number, disposition: number, context: string): number {
  const rid = reply.header.msgh_id;
  if (rid !== id + MIG_REPLY_ID_OFFSET) throw new MachError(rid === MACH_NOTIFY_SEND_ONCE ? MIG_SERVER_DIED : MIG_REPLY_MISMATCH, context);
  if ((reply.header.msgh_bits & MACH_MSGH_BITS_COMPLEX) === 0) {
    const body = reply.body;
    const kr = reply.size === MIG_REPLY_ERROR_SIZE && body.length >= 12 ? new DataView(body.buffer, body.byteOffset).getInt32(8, true) : 0;
    throw new MachError(kr !== 0 ? kr : MIG_TYPE_ERROR, context);
  }
  const d = reply.descriptors;
  if (d.length !== 1 || d[0]!.type !== MACH_MSG_PORT_DESCRIPTOR || reply.size !== size) throw new MachError(MIG_TYPE_ERROR, context);
  const port = d[0] as PortDescriptor;
  if (port.disposition !== disposition) throw new MachError(MIG_TYPE_ERROR, context);
  return port.name;
}

/** bootstrap_check_in(bp, name) = check_in2(bp, name, 0): the receive right for `name`. */
export function bootstrapCheckIn(task: EmulatedTask, bp: number, name: string): number {
  const b = portName(bp, 'bp');
  const body = new MigWriter().ndr().cString(serviceName(name, 'bootstrap_check_in'), 128).u64(0n).finish();
  const reply = task.kernelCall({ header: header(b, JOB_MIG.check_in2), body });
  return portFromReply(reply, JOB_MIG.check_in2, JOB_REPLY_SIZE.check_in2, MACH_MSG_TYPE_PORT_RECEIVE, 'bootstrap_check_in');
}

/** bootstrap_look_up(bp, name) = look_up2(bp, name, 0, 0): a send right for `name`. */
export function bootstrapLookUp(task: EmulatedTask, bp: number, name: string): number {
  const b = portName(bp, 'bp');
  const body = new MigWriter().ndr().cString(serviceName(name, 'bootstrap_look_up'), 128).u32(0).bytes(new Uint8Array(16)).u64(0n).finish();
  const reply = task.kernelCall({ header: header(b, JOB_MIG.look_up2), body });
  return portFromReply(reply, JOB_MIG.look_up2, JOB_REPLY_SIZE.look_up2, MACH_MSG_TYPE_PORT_SEND, 'bootstrap_look_up');
}

/**
 * bootstrap_register(bp, name, sp) = register2(bp, name, sp, 0): register a send right the
 * caller holds (COPY_SEND; MACH_PORT_NULL unregisters).
 */
export function bootstrapRegister(task: EmulatedTask, bp: number, name: string, sp: number): void {
  const b = portName(bp, 'bp');
  const s = portName(sp, 'sp');
  const body = new MigWriter().ndr().cString(serviceName(name, 'bootstrap_register'), 128).u64(0n).finish();
  const reply = task.kernelCall({
    header: header(b, JOB_MIG.register2, true),
    descriptors: [{ type: MACH_MSG_PORT_DESCRIPTOR, name: s, disposition: MACH_MSG_TYPE_COPY_SEND }],
    body,
  });
  const rid = reply.header.msgh_id;
  if (rid !== JOB_MIG.register2 + MIG_REPLY_ID_OFFSET) throw new MachError(rid === MACH_NOTIFY_SEND_ONCE ? MIG_SERVER_DIED : MIG_REPLY_MISMATCH, 'bootstrap_register');
  if ((reply.header.msgh_bits & MACH_MSGH_BITS_COMPLEX) !== 0 || reply.size !== JOB_REPLY_SIZE.register2) throw new MachError(MIG_TYPE_ERROR, 'bootstrap_register');
  const kr = new DataView(reply.body.buffer, reply.body.byteOffset).getInt32(8, true);
  if (kr !== 0) throw new MachError(kr, 'bootstrap_register');
}
