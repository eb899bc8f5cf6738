/**
 * mach_port_dnrequest_info, mach_port_space_basic_info, mach_port_kobject_description,
 * task_get_special_port and task_set_special_port in lib/native over the stand-in addon
 * (fake-addon.ts): the results decoded into the C out-parameters' names, the kernel's codes
 * as MachErrors, KERN_NOT_SUPPORTED from an addon built before the bindings; and that both
 * cross-compiled Darwin builds export the bindings with their libSystem calls bound. The
 * kernel's own answers are the macOS CI job's (the conformance scenarios run there on the
 * native backend).
 */
import { describe, expect, it } from 'vitest';
import * as C from '../../lib/constants.js';
import { NativeApi } from '../../lib/native/api.js';
import { FakeKernel } from './fake-addon.js';
import { apiWithout, describeBindingsInBuilds } from './optional-bindings.js';

function setup() {
  const k = new FakeKernel();
  const api = new NativeApi(k.addon());
  return { k, api, task: api.mach_task_self() };
}

describe('NativeApi.mach_port_dnrequest_info / mach_port_space_basic_info / mach_port_kobject_description (stand-in addon)', () => {
  it('decodes the out-parameters under their C names', () => {
    const { k, api, task } = setup();
    const p = k.receiveRight();
    expect(api.mach_port_dnrequest_info(task, p)).toEqual({ dnr_total: 0, dnr_used: 0 });
    expect(k.called('mach_port_dnrequest_info')).toEqual([['mach_port_dnrequest_info', task, p]]);
    expect(api.mach_port_space_basic_info(task)).toEqual({
      iisb_genno_mask: 0xff,
      iisb_table_size: 32,
      iisb_table_next: 0,
      iisb_table_inuse: k.ports.size,
      iisb_reserved: [0, 0],
    });
    expect(api.mach_port_kobject_description(task, k.host)).toEqual({ object_type: C.IKOT_HOST, object_addr: 0n, description: '' });
  });

  it('the kernel’s codes are MachErrors', () => {
    const { k, api, task } = setup();
    expect(() => api.mach_port_dnrequest_info(task, k.sendRight())).toThrow(expect.objectContaining({ name: 'MachError', code: 'KERN_INVALID_RIGHT' }));
    expect(() => api.mach_port_dnrequest_info(task, 0x9903)).toThrow(expect.objectContaining({ code: 'KERN_INVALID_NAME' }));
    expect(() => api.mach_port_kobject_description(task, 0x9903)).toThrow(expect.objectContaining({ code: 'KERN_INVALID_NAME' }));
  });
});

describe('NativeApi.task_get_special_port / task_set_special_port (stand-in addon)', () => {
  it('passes the task and which_port through and returns the name', () => {
    const { k, api, task } = setup();
    expect(api.task_get_special_port(task, C.TASK_KERNEL_PORT)).toBe(k.task);
    expect(api.task_get_special_port(task, C.TASK_HOST_PORT)).toBe(k.host);
    expect(api.task_get_special_port(task, C.TASK_DEBUG_CONTROL_PORT)).toBe(C.MACH_PORT_NULL);
    const p = k.receiveWithSend();
    api.task_set_special_port(task, C.TASK_DEBUG_CONTROL_PORT, p);
    expect(k.called('task_set_special_port')).toEqual([['task_set_special_port', task, C.TASK_DEBUG_CONTROL_PORT, p]]);
    expect(api.task_get_special_port(task, C.TASK_DEBUG_CONTROL_PORT)).toBe(p);
    // A task other than mach_task_self() goes to the kernel as given.
    const other = k.sendRight(C.IKOT_TASK_CONTROL);
    api.task_get_special_port(other, C.TASK_BOOTSTRAP_PORT);
    expect(k.called('task_get_special_port').at(-1)).toEqual(['task_get_special_port', other, C.TASK_BOOTSTRAP_PORT]);
  });

  it('refusals are MachErrors with the kernel’s code', () => {
    const { k, api, task } = setup();
    const p = k.receiveWithSend();
    expect(() => api.task_set_special_port(task, C.TASK_KERNEL_PORT, p)).toThrow(expect.objectContaining({ code: 'KERN_NO_ACCESS' }));
    expect(() => api.task_set_special_port(task, C.TASK_NAME_PORT, p)).toThrow(expect.objectContaining({ code: 'KERN_INVALID_ARGUMENT' }));
    expect(() => api.task_get_special_port(task, C.TASK_SEATBELT_PORT)).toThrow(expect.objectContaining({ code: 'KERN_INVALID_ARGUMENT' }));
  });
});

describe('an addon built before the bindings', () => {
  it('answers KERN_NOT_SUPPORTED, after the argument checks', () => {
    const { k, api, task } = apiWithout(['mach_port_dnrequest_info', 'mach_port_space_basic_info', 'task_get_special_port', 'task_set_special_port']);
    const p = k.receiveRight();
    const notSupported = expect.objectContaining({ code: 'KERN_NOT_SUPPORTED', message: expect.stringMatching(/rebuild/) });
    expect(() => api.mach_port_dnrequest_info(task, p)).toThrow(notSupported);
    expect(() => api.mach_port_space_basic_info(task)).toThrow(notSupported);
    expect(() => api.task_get_special_port(task, C.TASK_BOOTSTRAP_PORT)).toThrow(notSupported);
    expect(() => api.task_set_special_port(task, C.TASK_BOOTSTRAP_PORT, p)).toThrow(notSupported);
    expect(() => api.task_get_special_port(task, 'x' as unknown as number)).toThrow(TypeError);
  });
});

describeBindingsInBuilds(['mach_port_dnrequest_info', 'mach_port_space_basic_info', 'task_get_special_port', 'task_set_special_port']);
