import { MachError } from '../../lib/errors.js';

/** Test helper: the kern_return_t of the MachError `fn` throws, or 0 when it returns (other errors propagate). */
export function kr(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    if (e instanceof MachError) return e.kr;
    throw e;
  }
  return 0;
}
