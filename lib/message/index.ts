/**
 * machport/message: Darwin's Mach message wire format, typed message schemas, and MIG
 * routines/servers on any {@link MachApi} (the real kernel or an emulated task).
 *
 * - Wire codec: {@link encodeMessage}, {@link decodeMessage}, {@link decodeSendBuffer},
 *   {@link encodeTrailer}, {@link decodeTrailer} — the 64-bit user layout, byte for byte.
 * - Schemas: {@link defineMessage} with field kinds (int32, cString(128), port(…),
 *   ool(), …); value types are inferred from the fields.
 * - MIG: {@link defineRoutine}, {@link defineSimpleRoutine}, {@link serve}.
 * @module
 */
export { encodeMessage, decodeMessage, encodedSize, MAX_SEND_SIZE, type EncodedMessage, type OolResolver } from './wire.js';
export { decodeSendBuffer, MAX_DESCRIPTOR_RIGHTS } from './send-buffer.js';
export { encodeTrailer, decodeTrailer, emptyAuditToken, TRAILER_SIZES, type TrailerSize } from './trailer.js';
export { readHeader, writeHeader, HEADER_OFFSETS } from './header.js';
export { descriptorWireSize, readDescriptor, writeDescriptor, DESCRIPTOR_TYPE_OFFSET } from './descriptors.js';
export { copyinType, isSendDisposition } from './dispositions.js';
export { asReceived, type AsReceivedOptions } from './as-received.js';

export {
  defineMessage,
  type Fields,
  type MessageHeaderInit,
  type MessageLike,
  type MessageSchema,
  type MessageSpec,
  type SchemaInput,
  type SchemaOutput,
} from './schema.js';
export type { DescriptorField, Field, FixedInlineField, InlineField, InputOf, OutputOf, Reader, Writer } from './fields/field.js';
export { int8, uint8, int16, uint16, int32, uint32, int64, uint64, boolean } from './fields/integers.js';
export { bytes, varBytes } from './fields/bytes.js';
export { cString, varString } from './fields/strings.js';
export { array, varArray } from './fields/arrays.js';
export { struct, type StructMembers } from './fields/struct.js';
export { port, polyPort, type PortRight } from './fields/ports.js';
export { ool, oolPorts, type OolOptions, type OolPortsOptions } from './fields/ool.js';

export { ndrRecord, replyId, replyErrorMessage, replyErrorCode, MIG_REPLY_ERROR_SIZE, RETCODE_BODY_OFFSET } from './mig.js';
export {
  defineRoutine,
  defineSimpleRoutine,
  sendReply,
  replyDisposition,
  type CallOptions,
  type ReplyValue,
  type Routine,
  type RoutineHandler,
  type RoutineSpec,
  type SendOptions,
  type ServeContext,
  type SimpleRoutine,
  type SimpleRoutineSpec,
} from './routine.js';
export { serve, type ServeOptions } from './serve.js';
export { destroyMessage, releaseRight, releaseDescriptorRights } from './rights.js';
