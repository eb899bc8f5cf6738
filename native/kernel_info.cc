// Kernel-object routines through libSystem's own MIG stubs (host_info, host_statistics64,
// task_info), never hand-built messages: on macOS 13+ a plain mach_msg to a kernel object
// is refused with a fatal EXC_GUARD; libSystem's stubs send it as a kernel-object call.
// The raw integer_t words go back to TypeScript, which decodes them (lib/kernel-info/).
#include <mach/mach.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "addon.h"
#include "compat/codesign.h"

namespace machport {
namespace {

constexpr mach_msg_type_number_t kMaxWords = 256;

Napi::Value Words(Napi::Env env, kern_return_t kr, const integer_t *words, mach_msg_type_number_t count) {
  if (kr != KERN_SUCCESS) return Result(env, kr);
  if (count > kMaxWords) count = kMaxWords;
  Napi::Int32Array out = Napi::Int32Array::New(env, count);
  std::memcpy(out.Data(), words, count * sizeof(integer_t));
  return Result(env, kr, {out});
}

mach_msg_type_number_t Capacity(const Napi::CallbackInfo &info, size_t i) {
  mach_msg_type_number_t count = ArgU32(info, i, "count");
  return count > kMaxWords ? kMaxWords : count;
}

// host_info(host, flavor, count) -> [kr, Int32Array]
Napi::Value HostInfo(const Napi::CallbackInfo &info) {
  integer_t words[kMaxWords] = {};
  mach_msg_type_number_t count = Capacity(info, 2);
  kern_return_t kr = host_info(ArgU32(info, 0, "host"), ArgI32(info, 1, "flavor"), words, &count);
  return Words(info.Env(), kr, words, count);
}

// host_statistics64(host, flavor, count) -> [kr, Int32Array]
Napi::Value HostStatistics64(const Napi::CallbackInfo &info) {
  integer_t words[kMaxWords] = {};
  mach_msg_type_number_t count = Capacity(info, 2);
  kern_return_t kr = host_statistics64(ArgU32(info, 0, "host"), ArgI32(info, 1, "flavor"), words, &count);
  return Words(info.Env(), kr, words, count);
}

// task_info(task, flavor, count) -> [kr, Int32Array]
Napi::Value TaskInfo(const Napi::CallbackInfo &info) {
  integer_t words[kMaxWords] = {};
  mach_msg_type_number_t count = Capacity(info, 2);
  kern_return_t kr = task_info(ArgU32(info, 0, "task"), static_cast<task_flavor_t>(ArgU32(info, 1, "flavor")), words, &count);
  return Words(info.Env(), kr, words, count);
}

// task_get_exc_guard_behavior(task) -> [kr, behavior]: whether this task's optional Mach
// port guard exceptions are delivered and fatal (hardened-runtime and platform binaries).
Napi::Value ExcGuardBehavior(const Napi::CallbackInfo &info) {
  task_exc_guard_behavior_t behavior = 0;
  kern_return_t kr = task_get_exc_guard_behavior(ArgU32(info, 0, "task"), &behavior);
  return Result(info.Env(), kr, {Napi::Number::New(info.Env(), behavior)});
}

// cs_status() -> [errno, flags]: this process's code-signing flags (csops CS_OPS_STATUS).
// XNU's IPC policy treats a process with CS_RUNTIME or a platform binary as hardened
// (xnu:osfmk/ipc/ipc_policy.c:ipc_current_user_policy), and refuses a hardened process's
// plain message to an mk_timer port with a fatal guard; TypeScript reads this once at load.
Napi::Value CsStatus(const Napi::CallbackInfo &info) {
  uint32_t flags = 0;
  int rc = machport_csops(getpid(), kCsOpsStatus, &flags, sizeof flags);
  return Result(info.Env(), rc == 0 ? 0 : errno, {Napi::Number::New(info.Env(), flags)});
}

}  // namespace

void RegisterKernelInfo(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "host_info", HostInfo);
  Export(env, exports, "host_statistics64", HostStatistics64);
  Export(env, exports, "task_info", TaskInfo);
  Export(env, exports, "task_get_exc_guard_behavior", ExcGuardBehavior);
  Export(env, exports, "cs_status", CsStatus);
}

}  // namespace machport
