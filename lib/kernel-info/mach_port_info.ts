/**
 * The mach_port_get_attributes structs as integer_t words (mach_port_info_t is
 * `array[*:17] of integer_t`, xnu:osfmk/mach/mach_types.defs), by flavor
 * (xnu:osfmk/mach/port.h):
 * - MACH_PORT_LIMITS_INFO: mach_port_limits_t, 1 word (mpl_qlimit);
 * - MACH_PORT_RECEIVE_STATUS: mach_port_status_t, 10 words;
 * - MACH_PORT_DNREQUESTS_SIZE: 1 word (the dead-name request table size);
 * - MACH_PORT_INFO_EXT: mach_port_info_ext_t, 17 words (status, mpie_boost_cnt, 6 reserved);
 * - other flavors: raw words.
 * @module
 */
import {
  MACH_PORT_DNREQUESTS_SIZE,
  MACH_PORT_INFO_EXT,
  MACH_PORT_INFO_EXT_COUNT,
  MACH_PORT_LIMITS_INFO,
  MACH_PORT_RECEIVE_STATUS,
  MACH_PORT_RECEIVE_STATUS_COUNT,
  MIG_TYPE_ERROR,
} from '../constants.js';
import { MachError } from '../errors.js';
import type { mach_port_info_ext_t, mach_port_status_t, PortAttributes } from '../types.js';
import { decodeInfo, encodeInfo, toWords, type InfoLayout } from './integer_t.js';

/** The fields of mach_port_status_t in declaration order (all natural_t but mps_flags). */
export const MACH_PORT_STATUS_LAYOUT: InfoLayout = {
  struct: 'mach_port_status_t',
  fields: [
    ['mps_pset', 'natural_t'],
    ['mps_seqno', 'natural_t'],
    ['mps_mscount', 'natural_t'],
    ['mps_qlimit', 'natural_t'],
    ['mps_msgcount', 'natural_t'],
    ['mps_sorights', 'natural_t'],
    ['mps_srights', 'natural_t'],
    ['mps_pdrequest', 'natural_t'],
    ['mps_nsrequest', 'natural_t'],
    ['mps_flags', 'natural_t'],
  ],
};

/** Decode mach_port_status_t (10 words; fewer → MachError(MIG_TYPE_ERROR)). */
export function decodeMachPortStatus(words: Int32Array | Uint32Array | readonly number[]): mach_port_status_t {
  const w = toWords(words);
  if (w.length < MACH_PORT_RECEIVE_STATUS_COUNT) throw new MachError(MIG_TYPE_ERROR, `mach_port_status_t: ${w.length} words`);
  return decodeInfo(MACH_PORT_STATUS_LAYOUT, w) as unknown as mach_port_status_t;
}

/** Encode mach_port_status_t into 10 words. */
export function encodeMachPortStatus(status: mach_port_status_t): Int32Array {
  return encodeInfo(MACH_PORT_STATUS_LAYOUT, status);
}

/** Decode mach_port_info_ext_t (17 words; the 6 reserved words are ignored). */
export function decodeMachPortInfoExt(words: Int32Array | Uint32Array | readonly number[]): mach_port_info_ext_t {
  const w = toWords(words);
  if (w.length < MACH_PORT_INFO_EXT_COUNT) throw new MachError(MIG_TYPE_ERROR, `mach_port_info_ext_t: ${w.length} words`);
  return { mpie_status: decodeMachPortStatus(w.subarray(0, 10)), mpie_boost_cnt: w[10]! >>> 0 };
}

/** Encode mach_port_info_ext_t into 17 words (reserved words zero). */
export function encodeMachPortInfoExt(info: mach_port_info_ext_t): Int32Array {
  const out = new Int32Array(MACH_PORT_INFO_EXT_COUNT);
  out.set(encodeMachPortStatus(info.mpie_status));
  out[10] = info.mpie_boost_cnt | 0;
  return out;
}

/** The words mach_port_get_attributes returns for `flavor`, from the object the Mach API returns. */
export function encodePortAttributes(flavor: number, value: PortAttributes): Int32Array {
  if (Array.isArray(value)) return toWords(value);
  const v = value as unknown as Record<string, unknown>;
  switch (flavor) {
    case MACH_PORT_LIMITS_INFO:
      return Int32Array.of(Number(v.mpl_qlimit));
    case MACH_PORT_RECEIVE_STATUS:
      return encodeMachPortStatus(value as mach_port_status_t);
    case MACH_PORT_DNREQUESTS_SIZE:
      return Int32Array.of(Number(v.count ?? v.dnrequests_size ?? 0));
    case MACH_PORT_INFO_EXT:
      return encodeMachPortInfoExt(value as mach_port_info_ext_t);
    default:
      throw new TypeError(`no word layout known for port attribute flavor ${flavor}`);
  }
}

/** The object the Mach API returns for `flavor`, from mach_port_get_attributes's words. */
export function decodePortAttributes(flavor: number, words: Int32Array | Uint32Array | readonly number[]): PortAttributes {
  const w = toWords(words);
  switch (flavor) {
    case MACH_PORT_LIMITS_INFO:
      if (w.length < 1) throw new MachError(MIG_TYPE_ERROR, 'mach_port_limits_t: no words');
      return { mpl_qlimit: w[0]! >>> 0 };
    case MACH_PORT_RECEIVE_STATUS:
      return decodeMachPortStatus(w);
    case MACH_PORT_DNREQUESTS_SIZE:
      if (w.length < 1) throw new MachError(MIG_TYPE_ERROR, 'dnrequests size: no words');
      return { count: w[0]! >>> 0 };
    case MACH_PORT_INFO_EXT:
      return decodeMachPortInfoExt(w);
    default:
      return Array.from(w);
  }
}
