/**
 * task_set_exception_ports, task_get_exception_ports and task_swap_exception_ports in
 * lib/native over the stand-in addon (fake-addon.ts): the arguments passed through (a
 * behavior with MACH_EXCEPTION_CODES as its unsigned bits), the addon's words decoded into
 * the C arrays (behaviors and flavors as signed C ints), the kernel's codes as MachErrors,
 * KERN_NOT_SUPPORTED from an addon built before the bindings; and that both cross-compiled
 * Darwin builds export them with their libSystem calls bound. The kernel's own answers are
 * the macOS CI job's (the conformance scenarios run there on the native backend).
 */
import { describe, expect, it } from 'vitest';
import * as C from '../../lib/constants.js';
import { NativeApi } from '../../lib/native/api.js';
import { FakeKernel } from './fake-addon.js';
import { apiWithout, describeBindingsInBuilds } from './optional-bindings.js';

const NAMES = ['task_set_exception_ports', 'task_get_exception_ports', 'task_swap_exception_ports'] as const;
const CODES_DEFAULT = C.EXCEPTION_DEFAULT | C.MACH_EXCEPTION_CODES;

function setup() {
  const k = new FakeKernel();
  const api = new NativeApi(k.addon());
  return { k, api, task: api.mach_task_self() };
}

describe('NativeApi.task_set/get/swap_exception_ports (stand-in addon)', () => {
  it('passes the arguments through and decodes the arrays under their C names', () => {
    const { k, api, task } = setup();
    const p = k.receiveWithSend();
    api.task_set_exception_ports(task, C.EXC_MASK_CRASH | C.EXC_MASK_GUARD, p, CODES_DEFAULT, C.THREAD_STATE_NONE);
    expect(k.called('task_set_exception_ports')).toEqual([
      ['task_set_exception_ports', task, C.EXC_MASK_CRASH | C.EXC_MASK_GUARD, p, CODES_DEFAULT >>> 0, C.THREAD_STATE_NONE],
    ]);
    expect(api.task_get_exception_ports(task, C.EXC_MASK_CRASH | C.EXC_MASK_GUARD | C.EXC_MASK_BAD_ACCESS)).toEqual({
      masks: [C.EXC_MASK_BAD_ACCESS, C.EXC_MASK_CRASH | C.EXC_MASK_GUARD],
      old_handlers: [C.MACH_PORT_NULL, p],
      old_behaviors: [0, CODES_DEFAULT],
      old_flavors: [0, C.THREAD_STATE_NONE],
    });
    expect(k.ports.get(p)!.sendRefs).toBe(2);
    const old = api.task_swap_exception_ports(task, C.EXC_MASK_CRASH, C.MACH_PORT_NULL, 0, 0);
    expect(old).toEqual({ masks: [C.EXC_MASK_CRASH], old_handlers: [p], old_behaviors: [CODES_DEFAULT], old_flavors: [C.THREAD_STATE_NONE] });
    expect(api.task_get_exception_ports(task, 0)).toEqual({ masks: [], old_handlers: [], old_behaviors: [], old_flavors: [] });
  });

  it('the kernel’s codes are MachErrors', () => {
    const { api, task } = setup();
    const invalid = expect.objectContaining({ name: 'MachError', code: 'KERN_INVALID_ARGUMENT' });
    expect(() => api.task_get_exception_ports(task, 1)).toThrow(invalid);
    expect(() => api.task_set_exception_ports(task, 1 << 14, C.MACH_PORT_NULL, 0, 0)).toThrow(invalid);
    expect(() => api.task_swap_exception_ports(task, 0x80000000, C.MACH_PORT_NULL, 0, 0)).toThrow(invalid);
    expect(() => api.task_set_exception_ports(task, C.EXC_MASK_CRASH, 0x9903, CODES_DEFAULT, 0)).toThrow(expect.objectContaining({ code: 'MACH_SEND_INVALID_RIGHT' }));
  });
});

describe('an addon built before the exception-port bindings', () => {
  it('answers KERN_NOT_SUPPORTED, after the argument checks', () => {
    const { api, task } = apiWithout(NAMES);
    const notSupported = expect.objectContaining({ code: 'KERN_NOT_SUPPORTED', message: expect.stringMatching(/rebuild/) });
    expect(() => api.task_set_exception_ports(task, C.EXC_MASK_CRASH, C.MACH_PORT_NULL, 0, 0)).toThrow(notSupported);
    expect(() => api.task_get_exception_ports(task, C.EXC_MASK_ALL)).toThrow(notSupported);
    expect(() => api.task_swap_exception_ports(task, C.EXC_MASK_CRASH, C.MACH_PORT_NULL, 0, 0)).toThrow(notSupported);
    expect(() => api.task_get_exception_ports(task, 'all' as unknown as number)).toThrow(TypeError);
  });
});

describeBindingsInBuilds(NAMES);
