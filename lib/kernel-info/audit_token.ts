/**
 * audit_token_t (flavor TASK_AUDIT_TOKEN of task_info, and the audit trailer) as integer_t
 * words: eight 32-bit words, TASK_AUDIT_TOKEN_COUNT = 8. Word meanings
 * (xnu:bsd/kern/kern_prot.c:proc_calc_audit_token): [0] audit user id, [1] euid, [2] egid,
 * [3] ruid, [4] rgid, [5] pid, [6] audit session id, [7] pid version.
 * @module
 */
import { MIG_TYPE_ERROR, TASK_AUDIT_TOKEN_COUNT } from '../constants.js';
import { MachError } from '../errors.js';
import type { AuditToken } from '../types.js';
import { decodeInfo, encodeInfo, toWords, type InfoLayout } from './integer_t.js';

/** The words of audit_token_t by meaning. Ids are unsigned (uid_t, gid_t, au_asid_t read as u32). */
export const AUDIT_TOKEN_LAYOUT: InfoLayout = {
  struct: 'audit_token_t',
  fields: [
    ['auid', 'natural_t'],
    ['euid', 'natural_t'],
    ['egid', 'natural_t'],
    ['ruid', 'natural_t'],
    ['rgid', 'natural_t'],
    ['pid', 'integer_t'],
    ['asid', 'natural_t'],
    ['pidversion', 'integer_t'],
  ],
};

/** Decode an audit_token_t (8 words; fewer → MachError(MIG_TYPE_ERROR)). */
export function decodeAuditToken(words: Int32Array | Uint32Array | readonly number[]): AuditToken {
  const w = toWords(words);
  if (w.length < TASK_AUDIT_TOKEN_COUNT) {
    throw new MachError(MIG_TYPE_ERROR, `audit_token_t: ${w.length} words, ${TASK_AUDIT_TOKEN_COUNT} needed`);
  }
  return decodeInfo(AUDIT_TOKEN_LAYOUT, w) as unknown as AuditToken;
}

/** Encode an audit_token_t into its 8 words. */
export function encodeAuditToken(token: AuditToken): Int32Array {
  return encodeInfo(AUDIT_TOKEN_LAYOUT, token);
}
