// audit_token_to_pid lives in /usr/lib/libbsm.0.dylib (linked with -lbsm), declared in
// <bsm/libbsm.h>, which zig's bundled headers lack.
#pragma once

#include <mach/mach.h>
#include <sys/types.h>

#if __has_include(<bsm/libbsm.h>)
#include <bsm/libbsm.h>
#else
#ifdef __cplusplus
extern "C" {
#endif
pid_t audit_token_to_pid(audit_token_t atoken);
#ifdef __cplusplus
}
#endif
#endif  // __has_include(<bsm/libbsm.h>)
