/**
 * Darwin notifications in the emulator: the per-kernel notifyd ({@link EmulatedNotifyd})
 * and the libnotify functions for an emulated task (notify_register_mach_port, notify_post,
 * notify_check, notify_cancel, …), with libnotify's status codes thrown as
 * {@link NotifyError}.
 * @module
 */
export { EmulatedNotifyd, NOTIFYD_PID, NOTIFYD_PORT_QLIMIT } from './notifyd.js';
export {
  notify_cancel,
  notify_check,
  notify_get_state,
  notify_is_valid_token,
  notify_post,
  notify_register_check,
  notify_register_mach_port,
  notify_resume,
  notify_set_state,
  notify_suspend,
  type NotifyTask,
} from './notify_client.js';
export { NOTIFY_IPC, NOTIFY_IPC_VERSION, NOTIFY_SERVICE_NAME } from './notify_ipc.js';
export * from './notify_status.js';
