// libnotify's client calls (part of libSystem). The real SDK has <notify.h>; zig's
// bundled headers do not, so the calls machport uses are declared here.
#pragma once

#if __has_include(<notify.h>)
#include <notify.h>
#else
#include <mach/mach.h>
#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NOTIFY_STATUS_OK 0
#define NOTIFY_STATUS_INVALID_NAME 1
#define NOTIFY_STATUS_INVALID_TOKEN 2
#define NOTIFY_STATUS_INVALID_PORT 3
#define NOTIFY_STATUS_NOT_AUTHORIZED 7
#define NOTIFY_STATUS_FAILED 1000000
#define NOTIFY_REUSE 0x00000001

uint32_t notify_post(const char *name);
uint32_t notify_register_mach_port(const char *name, mach_port_t *notify_port, int flags, int *out_token);
uint32_t notify_register_check(const char *name, int *out_token);
uint32_t notify_check(int token, int *check);
uint32_t notify_cancel(int token);
uint32_t notify_suspend(int token);
uint32_t notify_resume(int token);
uint32_t notify_get_state(int token, uint64_t *state);
uint32_t notify_set_state(int token, uint64_t state);
bool notify_is_valid_token(int val);

#ifdef __cplusplus
}
#endif
#endif  // __has_include(<notify.h>)
