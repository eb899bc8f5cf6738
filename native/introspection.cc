// Introspection in the manner of Apple's lsmp: other tasks' ports (task_for_pid,
// task_read_for_pid), a space's table (mach_port_space_info), kernel-object descriptions,
// the process list, and audit tokens.
#include <libproc.h>
#include <mach/mach.h>
#include <mach_debug/ipc_info.h>
#include <sys/proc_info.h>

#include <cstring>
#include <vector>

#include "addon.h"
#include "compat/libbsm.h"
#include "compat/task_read.h"

namespace machport {
namespace {

static_assert(sizeof(ipc_info_name_t) == 7 * sizeof(uint32_t), "ipc_info_name_t is seven 32-bit words");

Napi::Value TaskForPid(const Napi::CallbackInfo &info) {
  mach_port_name_t task = MACH_PORT_NULL;
  kern_return_t kr = task_for_pid(mach_task_self(), ArgI32(info, 0, "pid"), &task);
  return Result(info.Env(), kr, {Napi::Number::New(info.Env(), task)});
}

// task_read_for_pid exists from macOS 11.3; earlier systems answer KERN_NOT_SUPPORTED here.
Napi::Value TaskReadForPid(const Napi::CallbackInfo &info) {
  int pid = ArgI32(info, 0, "pid");
  mach_port_name_t task = MACH_PORT_NULL;
  kern_return_t kr = KERN_NOT_SUPPORTED;
  if (__builtin_available(macOS 11.3, *)) {
    kr = machport_task_read_for_pid(mach_task_self(), pid, &task);
  }
  return Result(info.Env(), kr, {Napi::Number::New(info.Env(), task)});
}

Napi::Value PidForTask(const Napi::CallbackInfo &info) {
  int pid = -1;
  kern_return_t kr = pid_for_task(ArgU32(info, 0, "task"), &pid);
  return Result(info.Env(), kr, {Napi::Number::New(info.Env(), pid)});
}

// mach_port_space_info(task) -> [kr, Uint32Array info (iis_genno_mask, iis_table_size,
// iis_table_next, iis_tree_size, iis_tree_small, iis_tree_hash), Uint32Array table (seven
// words per ipc_info_name_t: name, collision, type, urefs, object, next, hash)]
Napi::Value SpaceInfo(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  ipc_info_space_t space;
  std::memset(&space, 0, sizeof space);
  ipc_info_name_array_t table = nullptr;
  mach_msg_type_number_t tableCount = 0;
  ipc_info_tree_name_array_t tree = nullptr;
  mach_msg_type_number_t treeCount = 0;
  kern_return_t kr = mach_port_space_info(ArgU32(info, 0, "task"), &space, &table, &tableCount, &tree, &treeCount);
  if (kr != KERN_SUCCESS) return Result(env, kr);
  Napi::Uint32Array head = Napi::Uint32Array::New(env, 6);
  head[0] = space.iis_genno_mask;
  head[1] = space.iis_table_size;
  head[2] = space.iis_table_next;
  head[3] = space.iis_tree_size;
  head[4] = space.iis_tree_small;
  head[5] = space.iis_tree_hash;
  Napi::Uint32Array words = Napi::Uint32Array::New(env, static_cast<size_t>(tableCount) * 7);
  if (tableCount > 0) std::memcpy(words.Data(), table, tableCount * sizeof(ipc_info_name_t));
  if (table != nullptr) vm_deallocate(mach_task_self(), reinterpret_cast<vm_address_t>(table), tableCount * sizeof(ipc_info_name_t));
  if (tree != nullptr) vm_deallocate(mach_task_self(), reinterpret_cast<vm_address_t>(tree), treeCount * sizeof(*tree));
  return Result(env, kr, {head, words});
}

// mach_port_kobject_description(task, name) -> [kr, type, address, description]
Napi::Value KobjectDescription(const Napi::CallbackInfo &info) {
  natural_t type = 0;
  mach_vm_address_t addr = 0;
  kobject_description_t desc;
  std::memset(desc, 0, sizeof desc);
  kern_return_t kr = mach_port_kobject_description(ArgU32(info, 0, "task"), ArgU32(info, 1, "name"), &type, &addr, desc);
  desc[sizeof desc - 1] = '\0';
  Napi::Env env = info.Env();
  return Result(env, kr, {Napi::Number::New(env, type), U64(env, addr), Napi::String::New(env, desc)});
}

// proc_listpids(PROC_ALL_PIDS) -> Int32Array of pids
Napi::Value ListPids(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int bytes = proc_listpids(PROC_ALL_PIDS, 0, nullptr, 0);
  if (bytes <= 0) return Napi::Int32Array::New(env, 0);
  std::vector<int> pids(static_cast<size_t>(bytes) / sizeof(int) + 64);
  bytes = proc_listpids(PROC_ALL_PIDS, 0, pids.data(), static_cast<int>(pids.size() * sizeof(int)));
  size_t n = bytes > 0 ? static_cast<size_t>(bytes) / sizeof(int) : 0;
  size_t live = 0;
  for (size_t i = 0; i < n; i++) {
    if (pids[i] != 0 || i == 0) pids[live++] = pids[i];
  }
  Napi::Int32Array out = Napi::Int32Array::New(env, live);
  if (live > 0) std::memcpy(out.Data(), pids.data(), live * sizeof(int));
  return out;
}

// proc_name(pid) -> string ('' when it cannot be read)
Napi::Value ProcName(const Napi::CallbackInfo &info) {
  char name[256];
  std::memset(name, 0, sizeof name);
  int n = proc_name(ArgI32(info, 0, "pid"), name, sizeof name);
  if (n <= 0) name[0] = '\0';
  return Napi::String::New(info.Env(), name);
}

// audit_token_to_pid(Uint32Array(8)) -> pid
Napi::Value AuditTokenToPid(const Napi::CallbackInfo &info) {
  Napi::TypedArray arr = ArgTypedArray(info, 0, "token");
  if (arr.TypedArrayType() != napi_uint32_array || arr.ElementLength() != 8) {
    throw Napi::TypeError::New(info.Env(), "token must be a Uint32Array of 8 words");
  }
  audit_token_t token;
  std::memcpy(&token, arr.As<Napi::Uint32Array>().Data(), sizeof token);
  return Napi::Number::New(info.Env(), audit_token_to_pid(token));
}

}  // namespace

void RegisterIntrospection(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "task_for_pid", TaskForPid);
  Export(env, exports, "task_read_for_pid", TaskReadForPid);
  Export(env, exports, "pid_for_task", PidForTask);
  Export(env, exports, "mach_port_space_info", SpaceInfo);
  Export(env, exports, "mach_port_kobject_description", KobjectDescription);
  Export(env, exports, "proc_listpids", ListPids);
  Export(env, exports, "proc_name", ProcName);
  Export(env, exports, "audit_token_to_pid", AuditTokenToPid);
}

}  // namespace machport
