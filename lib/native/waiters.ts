/**
 * Receivers waiting for a message on the native backend. A receive first polls
 * (MACH_RCV_TIMEOUT 0); when nothing is queued it waits here for the receive loop
 * (native/receive_loop.cc) to report that the port or port set is readable, then polls
 * again. One EVFILT_MACHPORT knote per waited-on name, armed one-shot and re-armed while
 * someone still waits; the loop keeps the process alive only while a receive is pending.
 * @module
 */

/** The part of the addon the waiters use. */
export interface LoopAddon {
  loop_start(onReady: (name: number, flags: number) => void): void;
  loop_watch(name: number): number;
  loop_unwatch(name: number): number;
  loop_ref(ref: boolean): void;
}

interface Waiter {
  wake(): void;
}

/** Thrown (as the rejection) when the kqueue refuses to watch a name; carries errno. */
export class WatchError extends Error {
  constructor(
    readonly name_: number,
    readonly errno: number,
  ) {
    super(`kevent64(EVFILT_MACHPORT) on name 0x${(name_ >>> 0).toString(16)} failed with errno ${errno}`);
    this.name = 'WatchError';
  }
}

/** The receives waiting on one addon instance's receive loop, by port or port-set name. */
export class ReceiveWaiters {
  private started = false;
  private referenced = false;
  private readonly byName = new Map<number, Set<Waiter>>();
  private readonly armed = new Set<number>();

  constructor(private readonly addon: LoopAddon) {}

  /** Number of receives waiting (for tests and diagnostics). */
  get pending(): number {
    let n = 0;
    for (const set of this.byName.values()) n += set.size;
    return n;
  }

  /**
   * Wait until `name` is reported readable, `deadline` (ms since the epoch, or undefined)
   * passes, or `signal` aborts. Resolves 'ready' or 'timeout'; rejects with the signal's
   * reason, or with WatchError when the kqueue refuses the name.
   */
  wait(name: number, deadline: number | undefined, signal: AbortSignal | undefined): Promise<'ready' | 'timeout'> {
    name >>>= 0;
    this.start();
    return new Promise<'ready' | 'timeout'>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => finish(() => reject(signal!.reason));
      const waiter: Waiter = { wake: () => finish(() => resolve('ready')) };
      const finish = (settle: () => void) => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.remove(name, waiter);
        settle();
      };
      let set = this.byName.get(name);
      if (set === undefined) this.byName.set(name, (set = new Set()));
      set.add(waiter);
      this.updateRef();
      if (!this.armed.has(name)) {
        const errno = this.addon.loop_watch(name);
        if (errno !== 0) return finish(() => reject(new WatchError(name, errno)));
        this.armed.add(name);
      }
      if (deadline !== undefined) {
        timer = setTimeout(() => finish(() => resolve('timeout')), Math.max(0, deadline - Date.now()));
      }
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private start(): void {
    if (this.started) return;
    this.addon.loop_start((name, _flags) => this.ready(name));
    this.started = true;
  }

  /** A readiness report from the loop: the knote fired (and, being one-shot, is gone). */
  private ready(name: number): void {
    name >>>= 0;
    this.armed.delete(name);
    const set = this.byName.get(name);
    if (set === undefined) return;
    for (const w of [...set]) {
      try {
        w.wake();
      } catch {
        // a waiter's settle never throws; nothing may escape into the loop's callback
      }
    }
  }

  private remove(name: number, waiter: Waiter): void {
    const set = this.byName.get(name);
    if (set === undefined) return;
    set.delete(waiter);
    if (set.size === 0) {
      this.byName.delete(name);
      if (this.armed.delete(name)) this.addon.loop_unwatch(name);
    }
    this.updateRef();
  }

  private updateRef(): void {
    const want = this.byName.size > 0;
    if (want !== this.referenced && this.started) {
      this.addon.loop_ref(want);
      this.referenced = want;
    }
  }
}
