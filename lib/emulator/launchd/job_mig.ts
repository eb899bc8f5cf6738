/**
 * The wire protocol the emulated launchd speaks: launchd-842's MIG subsystem `job` (base 400,
 * launchd:src/job.defs), the last public one. Modern launchd answers bootstrap calls over XPC
 * pipes whose encoding is not public, so the emulator keeps the 842 routines, ids and
 * layouts (pack 4, little endian):
 *
 * | id  | routine   | request (after the 24-byte header)                                   | success reply                                          |
 * |-----|-----------|----------------------------------------------------------------------|--------------------------------------------------------|
 * | 402 | check_in2 | NDR, servicename name_t[128], flags u64 (168 bytes)                  | COMPLEX: body, port (MOVE_RECEIVE), NDR, instanceid[16] (64 bytes) |
 * | 403 | register2 | COMPLEX: body, port (COPY_SEND), NDR, servicename[128], flags u64 (184) | NDR, RetCode (36 bytes)                             |
 * | 404 | look_up2  | NDR, servicename[128], targetpid i32, instanceid[16], flags u64 (188) | COMPLEX: body, port (COPY_SEND) (40 bytes)            |
 *
 * Errors are 36-byte mig_reply_error_t with the BOOTSTRAP_* code as RetCode. `name_t` is
 * `c_string[128]`: the client copies at most 127 bytes and a NUL (mig_strncpy), so longer
 * names are silently truncated, as on Darwin.
 * @module
 */
import { BOOTSTRAP_MAX_NAME_LEN } from '../../constants.js';

/** Routine ids of the job subsystem (launchd:src/job.defs; every routine and skip takes a number). */
export const JOB_MIG = {
  check_in2: 402,
  register2: 403,
  look_up2: 404,
} as const;

/** Inline body sizes (bytes after header and descriptors) of the requests. */
export const JOB_REQUEST_BODY = {
  check_in2: 8 + BOOTSTRAP_MAX_NAME_LEN + 8,
  register2: 8 + BOOTSTRAP_MAX_NAME_LEN + 8,
  look_up2: 8 + BOOTSTRAP_MAX_NAME_LEN + 4 + 16 + 8,
} as const;

/** Total sizes of the success replies. */
export const JOB_REPLY_SIZE = {
  check_in2: 24 + 4 + 12 + 8 + 16,
  register2: 36,
  look_up2: 24 + 4 + 12,
} as const;

/** The bytes a client sends for a service name: UTF-8, then cut to 127 bytes by the MIG stub. */
export function serviceNameBytes(name: string): Uint8Array {
  const bytes = new TextEncoder().encode(name);
  const nul = bytes.indexOf(0);
  // A C string ends at its first NUL.
  const cstr = nul >= 0 ? bytes.subarray(0, nul) : bytes;
  return cstr.subarray(0, BOOTSTRAP_MAX_NAME_LEN - 1);
}
