/**
 * The kernel's seeded pseudo-random source. XNU randomises the order of free name-table
 * entries and the generation roll-over period of each entry
 * (xnu:osfmk/ipc/ipc_space.c:ipc_space_rand_freelist, ipc_entry.c:ipc_entry_claim); a
 * seed per Kernel makes those choices reproducible in tests.
 * @module
 */

/** A small, fast, seedable generator (mulberry32). Not for cryptography. */
export class Prng {
  private state: number;

  /** Seed the generator; the same seed gives the same sequence. */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next 32-bit unsigned value. */
  nextU32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A fair coin flip. */
  nextBool(): boolean {
    return (this.nextU32() & 0x80000000) !== 0;
  }

  /** An integer in [0, n). */
  nextInt(n: number): number {
    return this.nextU32() % n;
  }
}
