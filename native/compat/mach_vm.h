// mach_vm_deallocate, for freeing out-of-line memory the kernel mapped into this task.
// The real SDK has <mach/mach_vm.h>; zig's bundled headers do not (the symbol is in
// libSystem), so the one routine machport needs is declared here.
#pragma once

#include <mach/mach.h>

#if __has_include(<mach/mach_vm.h>)
#include <mach/mach_vm.h>
#else
#ifdef __cplusplus
extern "C" {
#endif
kern_return_t mach_vm_deallocate(vm_map_t target, mach_vm_address_t address, mach_vm_size_t size);
#ifdef __cplusplus
}
#endif
#endif  // __has_include(<mach/mach_vm.h>)
