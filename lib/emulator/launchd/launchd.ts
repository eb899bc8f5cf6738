/**
 * The emulated launchd: one flat Mach bootstrap namespace per kernel, served on a
 * user-service port (a port the kernel serves synchronously but that behaves like launchd's
 * ordinary bootstrap port: plain mach_msg is accepted, mach_port_kobject says IKOT_NONE).
 * Each task's bootstrap_port is a send right to it.
 *
 * Every task is an anonymous launchd job; the rules are launchd-842's
 * (launchd:src/core.c:job_mig_check_in2, job_mig_register2, job_mig_look_up2, machservice_new)
 * and the current-macOS behaviour clients rely on (bootstrap.md in the project reference):
 * - check_in of an unknown name creates the port: the caller gets the receive right,
 *   launchd keeps a send right (so no-senders never fires while the name is registered);
 *   a live name owned by another task → BOOTSTRAP_NOT_PRIVILEGED (1100), by the caller →
 *   BOOTSTRAP_SERVICE_ACTIVE (1103);
 * - register(name, send right): another task's name → 1100; the caller's own active name →
 *   1103; a dead name → BOOTSTRAP_NO_MEMORY (1105); MACH_PORT_NULL unregisters the caller's
 *   name (what servo/ipc-channel relies on) and succeeds for an unknown one;
 * - look_up of an unknown name → BOOTSTRAP_UNKNOWN_SERVICE (1102), else a send right.
 * launchd arms a dead-name request on each service's send right and deletes the entry when
 * it fires; an anonymous job's services go when the job (task) goes, except one registered
 * with a kernel object's port, which never dies and so stays (bootstrap.md fact 10). The emulated launchd
 * handles those events before every request, so a service whose receive right died is
 * 1102 from then on and its name can be checked in again. (On a Mac a look-up racing the
 * notification can briefly get KERN_SUCCESS with MACH_PORT_DEAD; that window is not modelled.)
 * The kernel's own daemons (notifyd) are declared services, as a launchd plist declares
 * them: the first check_in, register or look_up of a declared name starts the daemon, which
 * registers its port (addDaemonService), so a look-up always finds it and a task cannot
 * take the name (BOOTSTRAP_NOT_PRIVILEGED). This is what lets a task that reaches the
 * kernel only through MachApi calls (a kernel host's client) find notifyd.
 * Sandbox checks and other plist-declared (demand-launched) services are not modelled.
 * @module
 */
import {
  BOOTSTRAP_MAX_NAME_LEN,
  BOOTSTRAP_NO_MEMORY,
  BOOTSTRAP_NOT_PRIVILEGED,
  BOOTSTRAP_SERVICE_ACTIVE,
  BOOTSTRAP_SUCCESS,
  BOOTSTRAP_UNKNOWN_SERVICE,
  IKOT_NONE,
  MACH_MSG_PORT_DESCRIPTOR,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_PORT_RECEIVE,
  MACH_MSG_TYPE_PORT_SEND,
  MIG_BAD_ARGUMENTS,
  MIG_BAD_ID,
} from '../../constants.js';
import type { Kernel } from '../kernel.js';
import type { KDescriptor } from '../kmsg.js';
import type { KobjectReply, KobjectRequest } from '../kobject.js';
import { MigBadArguments, MigReader, migReplyErrorBody, MigWriter } from '../kobject/mig.js';
import { IP_VALID, type Port, type PortRef } from '../port.js';
import type { EmulatedTask } from '../task.js';
import { JOB_MIG, JOB_REQUEST_BODY } from './job_mig.js';

/** One registered Mach service (launchd's struct machservice). */
interface MachService {
  /** The name as the key launchd compares (its bytes). */
  readonly key: string;
  /** The service port; launchd holds one send right to it. */
  readonly port: Port;
  /** The job (task) that checked it in or registered it; null for a kernel-installed daemon. */
  readonly job: EmulatedTask | null;
}

/** Service names compare as C strings: byte for byte. */
function keyOf(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('latin1');
}

/** The readable form of a name key. */
function nameOfKey(key: string): string {
  return new TextDecoder().decode(Buffer.from(key, 'latin1'));
}

/** The key of a daemon's service name (as a request would carry it: at most 127 bytes). */
function daemonKey(name: string): string {
  return keyOf(new TextEncoder().encode(name).subarray(0, BOOTSTRAP_MAX_NAME_LEN - 1));
}

/** A reply that is only RetCode (mig_reply_error_t; register2's success reply too). */
const retCodeReply = (kr: number): KobjectReply => ({ body: migReplyErrorBody(kr), retCode: kr });

/** The emulated launchd of one kernel. */
export class EmulatedLaunchd {
  /** The bootstrap port (a user-service port whose receive right the kernel holds). */
  readonly port: Port;
  private readonly services = new Map<string, MachService>();
  /** The declared services, by name key: each starts its daemon (which calls addDaemonService). */
  private readonly declared = new Map<string, () => void>();

  /**
   * `daemons`: the declared (demand-launched) services, name → a function that starts the
   * daemon serving it; the daemon registers its port with {@link addDaemonService}.
   */
  constructor(
    private readonly kernel: Kernel,
    daemons: Readonly<Record<string, () => void>> = {},
  ) {
    this.port = kernel.createKobjectPort(IKOT_NONE, (req) => this.serve(req), { userService: true, label: 'launchd bootstrap' });
    for (const [name, start] of Object.entries(daemons)) this.declared.set(daemonKey(name), start);
  }

  /** A new send right to the bootstrap port in `task`'s space; its name. */
  bootstrapPortFor(task: EmulatedTask): number {
    return this.kernel.copyoutRight(task, this.port, MACH_MSG_TYPE_MAKE_SEND);
  }

  /**
   * Register a daemon's service port (as a launchd plist would), for the emulated daemons
   * (notifyd). launchd keeps a send right; the entry has no job and lives as long as the port.
   */
  addDaemonService(name: string, port: Port): void {
    const key = daemonKey(name);
    this.reap();
    if (this.services.has(key)) throw new Error(`launchd: ${name} is already registered`);
    this.services.set(key, { key, port: this.kernel.makeRight(port, MACH_MSG_TYPE_MAKE_SEND), job: null });
  }

  /** The registered names and their owners' pids (introspection, like `launchctl print`). */
  list(): { name: string; pid: number | null; active: boolean }[] {
    this.reap();
    return [...this.services.values()].map((s) => ({ name: nameOfKey(s.key), pid: s.job?.pid ?? null, active: s.port.active }));
  }

  /**
   * Handle the dead-name notifications launchd would have received (a service port died)
   * and the exits of anonymous jobs: delete those entries and drop launchd's send rights.
   * A service registered with a kernel object's port (a host, semaphore or live task
   * port) outlives its job: the port never dies, so launchd never hears of it, and the
   * name stays taken for the rest of the session (reference bootstrap.md fact 10,
   * jackaudio/jack2#784 and #788: jackd's semaphore registration outlived jackd).
   */
  private reap(): void {
    for (const s of [...this.services.values()]) {
      if (s.port.active && (s.job === null || !s.job.terminated || s.port.kobjectType !== IKOT_NONE)) continue;
      this.delete(s);
    }
  }

  /** A declared service that is not registered: start its daemon (launchd's demand launch). */
  private demand(key: string): void {
    if (this.services.has(key)) return;
    this.declared.get(key)?.();
  }

  private delete(s: MachService): void {
    this.services.delete(s.key);
    this.kernel.releaseRight(s.port, MACH_MSG_TYPE_PORT_SEND);
  }

  /** The MIG server of the bootstrap port. */
  private serve(req: KobjectRequest): KobjectReply | undefined {
    this.reap();
    try {
      switch (req.id) {
        case JOB_MIG.check_in2:
          return this.checkIn(req);
        case JOB_MIG.register2:
          return this.register(req);
        case JOB_MIG.look_up2:
          return this.lookUp(req);
        default:
          return retCodeReply(MIG_BAD_ID);
      }
    } catch (e) {
      if (e instanceof MigBadArguments) return retCodeReply(MIG_BAD_ARGUMENTS);
      throw e;
    }
  }

  /** job_mig_check_in2 for an anonymous job. */
  private checkIn(req: KobjectRequest): KobjectReply {
    if (req.descriptors.length !== 0) throw new MigBadArguments('check_in2 takes no descriptors');
    const r = new MigReader(req.body, JOB_REQUEST_BODY.check_in2);
    const key = keyOf(r.cString(BOOTSTRAP_MAX_NAME_LEN));
    r.u64(); // flags: PER_PID_SERVICE and STRICT_CHECKIN are not modelled
    this.demand(key);
    const existing = this.services.get(key);
    if (existing !== undefined) {
      return retCodeReply(existing.job !== req.caller ? BOOTSTRAP_NOT_PRIVILEGED : BOOTSTRAP_SERVICE_ACTIVE);
    }
    // machservice_new: a new receive right, launchd makes a send right for itself, then the
    // receive right moves to the caller in the reply.
    const port = this.kernel.createPort(`service ${nameOfKey(key)}`);
    this.kernel.makeRight(port, MACH_MSG_TYPE_MAKE_SEND);
    this.services.set(key, { key, port, job: req.caller });
    const descriptors: KDescriptor[] = [{ type: MACH_MSG_PORT_DESCRIPTOR, port, disposition: MACH_MSG_TYPE_PORT_RECEIVE }];
    // After the port descriptor: NDR and the 16-byte instance id (zero: not a multi-instance job).
    return { descriptors, body: new MigWriter().ndr().bytes(new Uint8Array(16)).finish(), retCode: BOOTSTRAP_SUCCESS };
  }

  /** job_mig_register2 for an anonymous job. */
  private register(req: KobjectRequest): KobjectReply {
    const d = req.descriptors;
    if (d.length !== 1 || d[0]!.type !== MACH_MSG_PORT_DESCRIPTOR) throw new MigBadArguments('register2 takes one port descriptor');
    const r = new MigReader(req.body, JOB_REQUEST_BODY.register2);
    const key = keyOf(r.cString(BOOTSTRAP_MAX_NAME_LEN));
    r.u64();
    this.demand(key);
    const sp: PortRef = d[0]!.port;
    const existing = this.services.get(key);
    if (existing !== undefined) {
      if (existing.job !== req.caller) return retCodeReply(BOOTSTRAP_NOT_PRIVILEGED);
      // A name the caller holds is active; only MACH_PORT_NULL (unregister) gets through.
      if (sp !== null) return retCodeReply(BOOTSTRAP_SERVICE_ACTIVE);
      this.delete(existing);
      return retCodeReply(BOOTSTRAP_SUCCESS);
    }
    if (sp === null) return retCodeReply(BOOTSTRAP_SUCCESS);
    // machservice_new refuses dead ports (rdar://10898014 in launchd's source).
    if (!IP_VALID(sp) || !sp.active) return retCodeReply(BOOTSTRAP_NO_MEMORY);
    // The send right the request carried is now launchd's (the kernel keeps it in custody).
    this.services.set(key, { key, port: sp, job: req.caller });
    return retCodeReply(BOOTSTRAP_SUCCESS);
  }

  /** job_mig_look_up2. */
  private lookUp(req: KobjectRequest): KobjectReply {
    if (req.descriptors.length !== 0) throw new MigBadArguments('look_up2 takes no descriptors');
    const r = new MigReader(req.body, JOB_REQUEST_BODY.look_up2);
    const key = keyOf(r.cString(BOOTSTRAP_MAX_NAME_LEN));
    r.i32(); // target pid (per-PID look-ups are not modelled)
    r.bytesOf(16); // instance id
    r.u64(); // flags
    this.demand(key);
    const s = this.services.get(key);
    if (s === undefined) return retCodeReply(BOOTSTRAP_UNKNOWN_SERVICE);
    const port = this.kernel.makeRight(s.port, MACH_MSG_TYPE_COPY_SEND);
    // A complex reply with only a port: no NDR, no RetCode.
    return { descriptors: [{ type: MACH_MSG_PORT_DESCRIPTOR, port, disposition: MACH_MSG_TYPE_PORT_SEND }], body: new Uint8Array(0), retCode: BOOTSTRAP_SUCCESS };
  }
}
