/**
 * The idiomatic layer: classes that own Mach rights (ReceiveRight, SendRight,
 * SendOnceRight, PortSet), a Message that owns what it carries, and a builder that
 * writes the header bits and descriptors for you. Works over any MachApi: this
 * process's task (the default) or an emulated task (`{ api: task }`).
 * @module
 */
import './dispose.js';

export { Right } from './base.js';
export { ReceiveRight, SendRight, SendOnceRight, PortSet } from './rights.js';
export type { AllocateOptions, GuardOptions, NoSendersOptions, ReceiveFromOptions, RequestOptions } from './rights.js';
export { Message } from './message.js';
export type { CarriedKind, CarriedRight } from './message.js';
export { PortTransfer, portTransfer } from './transfer.js';
export { composeMessage } from './send.js';
export type { BytesLike, OolRegion, OutgoingMessage, SendOptions } from './send.js';
export type { IterateOptions, PeekOptions, PeekTrailerKind, ReceiveOptions, TrailerKind } from './receive.js';
export type { DeadNameEvent, NoSendersEvent } from './notify.js';
export { LEAK_WARNING_CODE } from './internal.js';
export type { RightKind, RightOptions, RightState } from './internal.js';
