/**
 * Port-right fields, carried as port descriptors (MIG turns every port argument of a
 * complex message into a mach_msg_port_descriptor_t, in argument order).
 *
 * `port(disposition)` has a fixed disposition, like MIG's `mach_port_move_send_t`
 * and friends: the value is the name. Decoding checks the descriptor type and that the
 * received disposition is what the kernel turns that disposition into (COPY_SEND
 * arrives as PORT_SEND…), as MIG's generated type check does (MIG_TYPE_ERROR
 * otherwise). `polyPort()` is MIG's `mach_port_poly_t`: the value is
 * `{ name, disposition }` and any disposition is accepted.
 * @module
 */
import { MACH_MSG_PORT_DESCRIPTOR } from '../../constants.js';
import type { MachMsgDescriptor } from '../../types.js';
import { checkU32, checkUnsigned, describe } from '../argument-checks.js';
import { copyinType, isSendDisposition } from '../dispositions.js';
import { typeError, type DescriptorField } from './field.js';
import { withLayout } from './layout.js';

/** A right as a name and disposition (sent: MACH_MSG_TYPE_MOVE_SEND…; received: PORT_*). */
export interface PortRight {
  name: number;
  disposition: number;
}

/** A port right with the fixed `disposition` (MACH_MSG_TYPE_MOVE_RECEIVE … MAKE_SEND_ONCE). */
export function port(disposition: number): DescriptorField<number> {
  if (!isSendDisposition(disposition)) {
    throw new TypeError(`port(disposition) takes MACH_MSG_TYPE_MOVE_RECEIVE … MACH_MSG_TYPE_MAKE_SEND_ONCE (16..21), got ${describe(disposition)}`);
  }
  const received = copyinType(disposition);
  const field = Object.freeze({
    kind: 'descriptor' as const,
    description: `port(${disposition})`,
    descriptorType: MACH_MSG_PORT_DESCRIPTOR,
    counted: false,
    max: 1,
    toDescriptor(value: number, where: string): MachMsgDescriptor {
      return { type: MACH_MSG_PORT_DESCRIPTOR, name: checkU32(value, where), disposition };
    },
    count(): number {
      return 0;
    },
    fromDescriptor(desc: MachMsgDescriptor, _count: number, where: string): number {
      if (desc.type !== MACH_MSG_PORT_DESCRIPTOR) throw typeError(where, `expected a port descriptor, got type ${desc.type}`);
      if (desc.disposition !== received) throw typeError(where, `expected disposition ${received}, got ${desc.disposition}`);
      return desc.name;
    },
  });
  return withLayout(field, { kind: 'port', disposition, received });
}

/** A port right whose disposition travels with the value (MIG mach_port_poly_t). */
export function polyPort(): DescriptorField<PortRight> {
  return Object.freeze({
    kind: 'descriptor' as const,
    description: 'polyPort()',
    descriptorType: MACH_MSG_PORT_DESCRIPTOR,
    counted: false,
    max: 1,
    toDescriptor(value: PortRight, where: string): MachMsgDescriptor {
      if (typeof value !== 'object' || value === null) throw new TypeError(`${where} (polyPort) must be { name, disposition }, got ${describe(value)}`);
      return {
        type: MACH_MSG_PORT_DESCRIPTOR,
        name: checkU32(value.name, `${where}.name`),
        disposition: checkUnsigned(value.disposition, 8, `${where}.disposition`),
      };
    },
    count(): number {
      return 0;
    },
    fromDescriptor(desc: MachMsgDescriptor, _count: number, where: string): PortRight {
      if (desc.type !== MACH_MSG_PORT_DESCRIPTOR) throw typeError(where, `expected a port descriptor, got type ${desc.type}`);
      return { name: desc.name, disposition: desc.disposition };
    },
  });
}
