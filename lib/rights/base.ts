/**
 * The base of every right-owning class: one name in one task's space, owned until
 * close(), a send consumes it, or relinquish() hands it back to the caller.
 * @module
 */
import './dispose.js';
import type { MachApi } from '../types.js';
import {
  hexName,
  notOpenError,
  releaseRight,
  track,
  untrack,
  type RightKind,
  type RightState,
  type Slot,
} from './internal.js';

/** Private constructor key: the classes are built through their static factories. */
export const INTERNAL: unique symbol = Symbol('machport.rights.internal');

/** A right owned by a JS object. Subclasses: ReceiveRight, SendRight, SendOnceRight, PortSet. */
export abstract class Right implements Disposable {
  /** @internal */
  protected readonly slot: Slot;

  /** @internal Build through the subclasses' static factories. */
  protected constructor(key: typeof INTERNAL, api: MachApi, name: number, kind: RightKind, trackLeaks = true) {
    if (key !== INTERNAL) throw new TypeError('machport: use the static factories (allocate, from, …)');
    this.slot = { api, name, kind, state: 'open', owner: new.target.name };
    if (trackLeaks) track(this, [this.slot], `${new.target.name} ${hexName(name)}`);
  }

  /** The task (MachApi) whose name space holds this right. */
  get api(): MachApi {
    return this.slot.api;
  }

  /** The right's name in its task, or MACH_PORT_NULL (0) once it is no longer owned. */
  get name(): number {
    return this.slot.state === 'open' ? this.slot.name : 0;
  }

  /** What the object owns: `'send'`, `'send-once'`, `'receive'` or `'port-set'`. */
  get kind(): RightKind {
    return this.slot.kind;
  }

  /** `'open'` while owned; then `'closed'`, `'moved'` (sent away / relinquished) or `'consumed'`. */
  get state(): RightState {
    return this.slot.state;
  }

  /** True once the object no longer owns its right (closed, moved or consumed). */
  get closed(): boolean {
    return this.slot.state !== 'open';
  }

  /**
   * Release what this object owns: one user reference of a send or send-once right
   * (mach_port_deallocate), or the receive right / port set (mod_refs −1; a receive
   * right whose guard the object knows, mach_port_destruct with that guard).
   * Idempotent: closing a closed, moved or consumed object does nothing.
   */
  close(): void {
    if (this.slot.state !== 'open') return;
    this.slot.state = 'closed';
    untrack(this);
    this.onClose();
    releaseRight(this.slot.api, this.slot.name, this.slot.kind, this.slot.guard);
  }

  /** Same as {@link close}, for `using` declarations. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Give up ownership without releasing anything and return the name: the caller now
   * owns the right (as with swift-system's `relinquish()`). The object becomes `'moved'`.
   */
  relinquish(): number {
    const name = this.live('relinquish');
    this.markGone('moved');
    return name;
  }

  /** @internal The name, or throw a clear error when the right is no longer owned. */
  live(method: string): number {
    if (this.slot.state !== 'open') throw notOpenError(`${this.constructor.name}.${method}`, this.slot.state);
    return this.slot.name;
  }

  /** @internal The right left this object without being released by it (sent, consumed). */
  markGone(state: 'moved' | 'consumed'): void {
    if (this.slot.state !== 'open') return;
    this.slot.state = state;
    untrack(this);
    this.onClose();
  }

  /** @internal The kernel handed the right back under another name (a failed send's pseudo-receive). */
  rename(name: number): void {
    this.slot.name = name;
  }

  /** @internal Hook for subclasses (e.g. to end pending watchers). */
  protected onClose(): void {}

  /** The task-self name of this right's task. */
  protected get task(): number {
    return this.slot.api.mach_task_self();
  }

  /** The class and the name while owned (`ReceiveRight(0x1103)`), else the class and the state (`SendRight(moved)`). */
  toString(): string {
    return `${this.constructor.name}(${this.slot.state === 'open' ? hexName(this.slot.name) : this.slot.state})`;
  }

  /** What console.log and util.inspect show: same as {@link toString}. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
