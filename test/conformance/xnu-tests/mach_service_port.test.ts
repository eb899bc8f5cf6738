/**
 * Port of xnu:tests/mach_service_port.c (xnu-11417). Apple's test runs where
 * MPO_SERVICE_PORT is open to any task (DEVELOPMENT/DEBUG kernels); on a release kernel
 * only launchd may construct a service port (KERN_DENIED, xnu:osfmk/ipc/mach_port.c:
 * mach_port_construct), which is what MachApi tasks are. What does not depend on that is
 * ported; the rest is listed with the reason.
 */
import { conformance, expectMachError, suite } from '../harness.js';
import { C } from '../helpers.js';
import { notPortable, xnuTest } from './xnu.js';

const FILE = 'mach_service_port.c';
const SP_CONTEXT = 0x1803n;

suite('xnu tests/mach_service_port.c', () => {
  conformance(
    'construct(MPO_CONNECTION_PORT | MPO_SERVICE_PORT | …) → KERN_INVALID_ARGUMENT (at most one of them); construct(MPO_INSERT_SEND_RIGHT | MPO_CONTEXT_AS_GUARD) without the service flag succeeds',
    `${xnuTest(FILE, 'mach_fake_service_port')}; xnu:osfmk/ipc/mach_port.c:mach_port_construct (at_most_one_flags)`,
    ({ api, task }) => {
      expectMachError(
        () => api.mach_port_construct(task, { flags: C.MPO_CONNECTION_PORT | C.MPO_SERVICE_PORT | C.MPO_INSERT_SEND_RIGHT | C.MPO_CONTEXT_AS_GUARD }, SP_CONTEXT),
        'KERN_INVALID_ARGUMENT',
      );
      api.mach_port_construct(task, { flags: C.MPO_INSERT_SEND_RIGHT | C.MPO_CONTEXT_AS_GUARD }, SP_CONTEXT);
    },
  );

  notPortable(
    'construct(MPO_SERVICE_PORT) without service-port info → KERN_INVALID_ARGUMENT; get_service_port_info / a connection port on a non-service port → KERN_INVALID_CAPABILITY',
    FILE,
    'mach_fake_service_port',
    'the service-port-info check is reached only where MPO_SERVICE_PORT is allowed (DEVELOPMENT kernels or launchd; a release kernel answers KERN_DENIED first); MachApi\'s mach_port_options_t carries no service_port_info or service_port_name, and mach_port_get_service_port_info is not in MachApi',
  );
  notPortable(
    'service ports: construct, port-destroyed request, throttling, service port info, assert_attributes',
    FILE,
    'mach_service_port',
    'needs MPO_SERVICE_PORT to succeed (launchd or a DEVELOPMENT kernel) and routines not in MachApi (mach_port_set/get_attributes THROTTLED, get_service_port_info, assert_attributes)',
  );
  notPortable(
    'a connection port on a dead service port fails',
    FILE,
    'mach_dead_service_port',
    'needs MPO_SERVICE_PORT to succeed and a connection port naming it (service_port_name is not in MachApi\'s options)',
  );
});
