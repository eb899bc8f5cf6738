/**
 * Client side of the bootstrap routines, sent to the emulated launchd.
 * @module
 */
import { MachError } from '../../errors.js';
import type { EmulatedTask } from '../task.js';

/** bootstrap_check_in: the receive right for `name`. */
export function bootstrapCheckIn(task: EmulatedTask, bp: number, name: string): number {
  void task; void bp; void name;
  throw new MachError(46, 'bootstrap_check_in');
}

/** bootstrap_look_up: a send right for `name`. */
export function bootstrapLookUp(task: EmulatedTask, bp: number, name: string): number {
  void task; void bp; void name;
  throw new MachError(46, 'bootstrap_look_up');
}

/** bootstrap_register: register `sp` (a send right) under `name`. */
export function bootstrapRegister(task: EmulatedTask, bp: number, name: string, sp: number): void {
  void task; void bp; void name; void sp;
  throw new MachError(46, 'bootstrap_register');
}
