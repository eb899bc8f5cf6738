// The bootstrap client calls machport uses. The real SDK declares them in
// <servers/bootstrap.h>; zig's bundled macOS headers lack that file (the symbols are in
// libSystem), so without it the few declarations are written out here.
#pragma once

#if __has_include(<servers/bootstrap.h>)
#include <servers/bootstrap.h>
#else
#include <mach/mach.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef char name_t[128];

#define BOOTSTRAP_MAX_NAME_LEN 128
#define BOOTSTRAP_SUCCESS 0
#define BOOTSTRAP_NOT_PRIVILEGED 1100
#define BOOTSTRAP_NAME_IN_USE 1101
#define BOOTSTRAP_UNKNOWN_SERVICE 1102
#define BOOTSTRAP_SERVICE_ACTIVE 1103
#define BOOTSTRAP_BAD_COUNT 1104
#define BOOTSTRAP_NO_MEMORY 1105
#define BOOTSTRAP_NO_CHILDREN 1106

kern_return_t bootstrap_look_up(mach_port_t bp, const name_t service_name, mach_port_t *sp);
kern_return_t bootstrap_check_in(mach_port_t bp, const name_t service_name, mach_port_t *sp);
kern_return_t bootstrap_register(mach_port_t bp, name_t service_name, mach_port_t sp);
const char *bootstrap_strerror(kern_return_t r);

#ifdef __cplusplus
}
#endif
#endif  // __has_include(<servers/bootstrap.h>)
