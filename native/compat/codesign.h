// csops (libsystem_kernel): the code-signing status of a process. Its declaration lives in
// a private header (<System/sys/codesign.h>) that no public SDK ships, so it is declared
// here under a private C++ name bound to the real symbol, which cannot clash with an SDK
// declaration. The two flags the addon reads are the kernel's (xnu:osfmk/kern/cs_blobs.h).
#pragma once

#include <sys/types.h>

extern "C" int machport_csops(pid_t pid, unsigned int ops, void *useraddr, size_t usersize) __asm__("_csops");

namespace machport {
constexpr unsigned int kCsOpsStatus = 0;  // CS_OPS_STATUS
}  // namespace machport
