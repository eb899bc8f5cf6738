// task_read_for_pid (macOS 11.3+). Newer SDKs declare it in <mach/mach_traps.h>, zig's
// headers do not. It is declared here under a private C++ name bound to the real symbol,
// so this never clashes with an SDK declaration, and with its availability, so the
// compiler weak-links it (the addon's minimum is macOS 11.0) and insists on a
// __builtin_available check before each call.
#pragma once

#include <mach/mach.h>

extern "C" kern_return_t machport_task_read_for_pid(mach_port_name_t target_tport, int pid, mach_port_name_t *t)
    __asm__("_task_read_for_pid") __attribute__((availability(macos, introduced = 11.3), weak_import));
