// mach_port_* on a task the caller names (mach_task_self() or a task port it holds).
// Each wrapper is one libSystem call; results come back as [kr, out...]. The guard
// pre-checks that keep misuse from raising a fatal EXC_GUARD live in lib/native/guards.ts.
#include <mach/mach.h>

#include <cstring>

#include "addon.h"

namespace machport {
namespace {

// Copy a MIG out-array of 32-bit words into a Uint32Array and free the kernel's copy.
template <typename T>
Napi::Uint32Array TakeWords(Napi::Env env, T *array, mach_msg_type_number_t count) {
  static_assert(sizeof(T) == 4, "32-bit elements");
  Napi::Uint32Array out = Napi::Uint32Array::New(env, count);
  if (count > 0) std::memcpy(out.Data(), array, count * sizeof(T));
  if (array != nullptr) {
    vm_deallocate(mach_task_self(), reinterpret_cast<vm_address_t>(array), count * sizeof(T));
  }
  return out;
}

Napi::Value TaskSelf(const Napi::CallbackInfo &info) { return Napi::Number::New(info.Env(), mach_task_self()); }

Napi::Value HostSelf(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), Addon::From(info.Env()).Host());
}

Napi::Value Allocate(const Napi::CallbackInfo &info) {
  mach_port_name_t name = MACH_PORT_NULL;
  kern_return_t kr = mach_port_allocate(ArgU32(info, 0, "task"), ArgU32(info, 1, "right"), &name);
  return Result(info.Env(), kr, {Napi::Number::New(info.Env(), name)});
}

Napi::Value AllocateName(const Napi::CallbackInfo &info) {
  kern_return_t kr = mach_port_allocate_name(ArgU32(info, 0, "task"), ArgU32(info, 1, "right"), ArgU32(info, 2, "name"));
  return Napi::Number::New(info.Env(), kr);
}

Napi::Value Deallocate(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), mach_port_deallocate(ArgU32(info, 0, "task"), ArgU32(info, 1, "name")));
}

Napi::Value Destroy(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), mach_port_destroy(ArgU32(info, 0, "task"), ArgU32(info, 1, "name")));
}

Napi::Value ModRefs(const Napi::CallbackInfo &info) {
  kern_return_t kr = mach_port_mod_refs(ArgU32(info, 0, "task"), ArgU32(info, 1, "name"), ArgU32(info, 2, "right"),
                                        ArgI32(info, 3, "delta"));
  return Napi::Number::New(info.Env(), kr);
}

Napi::Value GetRefs(const Napi::CallbackInfo &info) {
  mach_port_urefs_t refs = 0;
  kern_return_t kr = mach_port_get_refs(ArgU32(info, 0, "task"), ArgU32(info, 1, "name"), ArgU32(info, 2, "right"), &refs);
  return Result(info.Env(), kr, {Napi::Number::New(info.Env(), refs)});
}

Napi::Value InsertRight(const Napi::CallbackInfo &info) {
  kern_return_t kr = mach_port_insert_right(ArgU32(info, 0, "task"), ArgU32(info, 1, "name"), ArgU32(info, 2, "poly"),
                                            ArgU32(info, 3, "polyPoly"));
  return Napi::Number::New(info.Env(), kr);
}

Napi::Value ExtractRight(const Napi::CallbackInfo &info) {
  mach_port_t poly = MACH_PORT_NULL;
  mach_msg_type_name_t polyPoly = 0;
  kern_return_t kr =
      mach_port_extract_right(ArgU32(info, 0, "task"), ArgU32(info, 1, "name"), ArgU32(info, 2, "msgt_name"), &poly, &polyPoly);
  return Result(info.Env(), kr, {Napi::Number::New(info.Env(), poly), Napi::Number::New(info.Env(), polyPoly)});
}

Napi::Value Type(const Napi::CallbackInfo &info) {
  mach_port_type_t type = 0;
  kern_return_t kr = mach_port_type(ArgU32(info, 0, "task"), ArgU32(info, 1, "name"), &type);
  return Result(info.Env(), kr, {Napi::Number::New(info.Env(), type)});
}

Napi::Value Names(const Napi::CallbackInfo &info) {
  mach_port_name_array_t names = nullptr;
  mach_msg_type_number_t namesCount = 0;
  mach_port_type_array_t types = nullptr;
  mach_msg_type_number_t typesCount = 0;
  kern_return_t kr = mach_port_names(ArgU32(info, 0, "task"), &names, &namesCount, &types, &typesCount);
  Napi::Env env = info.Env();
  if (kr != KERN_SUCCESS) return Result(env, kr);
  Napi::Uint32Array n = TakeWords(env, names, namesCount);
  Napi::Uint32Array t = TakeWords(env, types, typesCount);
  return Result(env, kr, {n, t});
}

Napi::Value MoveMember(const Napi::CallbackInfo &info) {
  kern_return_t kr = mach_port_move_member(ArgU32(info, 0, "task"), ArgU32(info, 1, "member"), ArgU32(info, 2, "after"));
  return Napi::Number::New(info.Env(), kr);
}

Napi::Value InsertMember(const Napi::CallbackInfo &info) {
  kern_return_t kr = mach_port_insert_member(ArgU32(info, 0, "task"), ArgU32(info, 1, "name"), ArgU32(info, 2, "pset"));
  return Napi::Number::New(info.Env(), kr);
}

Napi::Value ExtractMember(const Napi::CallbackInfo &info) {
  kern_return_t kr = mach_port_extract_member(ArgU32(info, 0, "task"), ArgU32(info, 1, "name"), ArgU32(info, 2, "pset"));
  return Napi::Number::New(info.Env(), kr);
}

Napi::Value GetSetStatus(const Napi::CallbackInfo &info) {
  mach_port_name_array_t members = nullptr;
  mach_msg_type_number_t count = 0;
  kern_return_t kr = mach_port_get_set_status(ArgU32(info, 0, "task"), ArgU32(info, 1, "name"), &members, &count);
  if (kr != KERN_SUCCESS) return Result(info.Env(), kr);
  return Result(info.Env(), kr, {TakeWords(info.Env(), members, count)});
}

Napi::Value RequestNotification(const Napi::CallbackInfo &info) {
  mach_port_t previous = MACH_PORT_NULL;
  kern_return_t kr = mach_port_request_notification(ArgU32(info, 0, "task"), ArgU32(info, 1, "name"), ArgI32(info, 2, "msgid"),
                                                    ArgU32(info, 3, "sync"), ArgU32(info, 4, "notify"),
                                                    ArgU32(info, 5, "notifyPoly"), &previous);
  return Result(info.Env(), kr, {Napi::Number::New(info.Env(), previous)});
}

// The flavor's words as integer_t; `count` is the caller's capacity (at most 32 words).
constexpr mach_msg_type_number_t kMaxAttributeWords = 32;

Napi::Value GetAttributes(const Napi::CallbackInfo &info) {
  integer_t words[kMaxAttributeWords] = {};
  mach_msg_type_number_t count = ArgU32(info, 3, "count");
  if (count > kMaxAttributeWords) count = kMaxAttributeWords;
  kern_return_t kr =
      mach_port_get_attributes(ArgU32(info, 0, "task"), ArgU32(info, 1, "name"), ArgI32(info, 2, "flavor"), words, &count);
  Napi::Env env = info.Env();
  if (kr != KERN_SUCCESS) return Result(env, kr);
  if (count > kMaxAttributeWords) count = kMaxAttributeWords;
  Napi::Int32Array out = Napi::Int32Array::New(env, count);
  std::memcpy(out.Data(), words, count * sizeof(integer_t));
  return Result(env, kr, {out});
}

Napi::Value SetAttributes(const Napi::CallbackInfo &info) {
  Napi::TypedArray arr = ArgTypedArray(info, 3, "info");
  if (arr.TypedArrayType() != napi_int32_array) throw Napi::TypeError::New(info.Env(), "info must be an Int32Array");
  Napi::Int32Array words = arr.As<Napi::Int32Array>();
  integer_t buf[kMaxAttributeWords] = {};
  mach_msg_type_number_t count = static_cast<mach_msg_type_number_t>(words.ElementLength());
  if (count > kMaxAttributeWords) count = kMaxAttributeWords;
  std::memcpy(buf, words.Data(), count * sizeof(integer_t));
  kern_return_t kr =
      mach_port_set_attributes(ArgU32(info, 0, "task"), ArgU32(info, 1, "name"), ArgI32(info, 2, "flavor"), buf, count);
  return Napi::Number::New(info.Env(), kr);
}

Napi::Value SetMscount(const Napi::CallbackInfo &info) {
  kern_return_t kr = mach_port_set_mscount(ArgU32(info, 0, "task"), ArgU32(info, 1, "name"), ArgU32(info, 2, "mscount"));
  return Napi::Number::New(info.Env(), kr);
}

Napi::Value SetSeqno(const Napi::CallbackInfo &info) {
  kern_return_t kr = mach_port_set_seqno(ArgU32(info, 0, "task"), ArgU32(info, 1, "name"), ArgU32(info, 2, "seqno"));
  return Napi::Number::New(info.Env(), kr);
}

Napi::Value GetContext(const Napi::CallbackInfo &info) {
  mach_port_context_t context = 0;
  kern_return_t kr = mach_port_get_context(ArgU32(info, 0, "task"), ArgU32(info, 1, "name"), &context);
  return Result(info.Env(), kr, {U64(info.Env(), context)});
}

Napi::Value SetContext(const Napi::CallbackInfo &info) {
  kern_return_t kr = mach_port_set_context(ArgU32(info, 0, "task"), ArgU32(info, 1, "name"),
                                           static_cast<mach_port_context_t>(ArgU64(info, 2, "context")));
  return Napi::Number::New(info.Env(), kr);
}

Napi::Value Construct(const Napi::CallbackInfo &info) {
  mach_port_options_t options;
  std::memset(&options, 0, sizeof options);
  options.flags = ArgU32(info, 1, "flags");
  options.mpl.mpl_qlimit = ArgU32(info, 2, "qlimit");
  mach_port_name_t name = MACH_PORT_NULL;
  kern_return_t kr = mach_port_construct(ArgU32(info, 0, "task"), &options,
                                         static_cast<mach_port_context_t>(ArgU64(info, 3, "context")), &name);
  return Result(info.Env(), kr, {Napi::Number::New(info.Env(), name)});
}

Napi::Value Destruct(const Napi::CallbackInfo &info) {
  kern_return_t kr = mach_port_destruct(ArgU32(info, 0, "task"), ArgU32(info, 1, "name"), ArgI32(info, 2, "srdelta"),
                                        static_cast<mach_port_context_t>(ArgU64(info, 3, "guard")));
  return Napi::Number::New(info.Env(), kr);
}

Napi::Value Guard(const Napi::CallbackInfo &info) {
  kern_return_t kr = mach_port_guard(ArgU32(info, 0, "task"), ArgU32(info, 1, "name"),
                                     static_cast<mach_port_context_t>(ArgU64(info, 2, "guard")), ArgBool(info, 3, "strict"));
  return Napi::Number::New(info.Env(), kr);
}

Napi::Value Unguard(const Napi::CallbackInfo &info) {
  kern_return_t kr = mach_port_unguard(ArgU32(info, 0, "task"), ArgU32(info, 1, "name"),
                                       static_cast<mach_port_context_t>(ArgU64(info, 2, "guard")));
  return Napi::Number::New(info.Env(), kr);
}

Napi::Value GuardWithFlags(const Napi::CallbackInfo &info) {
  kern_return_t kr = mach_port_guard_with_flags(ArgU32(info, 0, "task"), ArgU32(info, 1, "name"),
                                                static_cast<mach_port_context_t>(ArgU64(info, 2, "guard")),
                                                static_cast<uint64_t>(ArgU32(info, 3, "flags")));
  return Napi::Number::New(info.Env(), kr);
}

Napi::Value SwapGuard(const Napi::CallbackInfo &info) {
  kern_return_t kr = mach_port_swap_guard(ArgU32(info, 0, "task"), ArgU32(info, 1, "name"),
                                          static_cast<mach_port_context_t>(ArgU64(info, 2, "old_guard")),
                                          static_cast<mach_port_context_t>(ArgU64(info, 3, "new_guard")));
  return Napi::Number::New(info.Env(), kr);
}

// [kr, seqno, msg_size, msg_id, trailer bytes]. The trailer buffer is the largest trailer,
// so the kernel's size check against it never fails for a trailer type it accepts.
Napi::Value Peek(const Napi::CallbackInfo &info) {
  mach_port_seqno_t seqno = ArgU32(info, 3, "seqno");
  mach_msg_size_t size = 0;
  mach_msg_id_t id = 0;
  mach_msg_max_trailer_t trailer;
  std::memset(&trailer, 0, sizeof trailer);
  mach_msg_type_number_t trailerSize = sizeof trailer;
  kern_return_t kr = mach_port_peek(ArgU32(info, 0, "task"), ArgU32(info, 1, "name"), ArgU32(info, 2, "trailer_type"), &seqno,
                                    &size, &id, reinterpret_cast<mach_msg_trailer_info_t>(&trailer), &trailerSize);
  Napi::Env env = info.Env();
  if (kr != KERN_SUCCESS) return Result(env, kr);
  if (trailerSize > sizeof trailer) trailerSize = sizeof trailer;
  Napi::Uint8Array bytes = Napi::Uint8Array::New(env, trailerSize);
  std::memcpy(bytes.Data(), &trailer, trailerSize);
  return Result(env, kr, {Napi::Number::New(env, seqno), Napi::Number::New(env, size), Napi::Number::New(env, id), bytes});
}

Napi::Value GetSrights(const Napi::CallbackInfo &info) {
  mach_port_rights_t srights = 0;
  kern_return_t kr = mach_port_get_srights(ArgU32(info, 0, "task"), ArgU32(info, 1, "name"), &srights);
  return Result(info.Env(), kr, {Napi::Number::New(info.Env(), srights)});
}

// [kr, dnr_total, dnr_used]
Napi::Value DnrequestInfo(const Napi::CallbackInfo &info) {
  unsigned int total = 0;
  unsigned int used = 0;
  kern_return_t kr = mach_port_dnrequest_info(ArgU32(info, 0, "task"), ArgU32(info, 1, "name"), &total, &used);
  Napi::Env env = info.Env();
  return Result(env, kr, {Napi::Number::New(env, total), Napi::Number::New(env, used)});
}

// [kr, the six natural_t words of ipc_info_space_basic_t in field order]
Napi::Value SpaceBasicInfo(const Napi::CallbackInfo &info) {
  ipc_info_space_basic_t basic;
  std::memset(&basic, 0, sizeof basic);
  kern_return_t kr = mach_port_space_basic_info(ArgU32(info, 0, "task"), &basic);
  Napi::Env env = info.Env();
  if (kr != KERN_SUCCESS) return Result(env, kr);
  static_assert(sizeof basic == 6 * sizeof(natural_t), "ipc_info_space_basic_t is six natural_t");
  Napi::Uint32Array words = Napi::Uint32Array::New(env, 6);
  std::memcpy(words.Data(), &basic, sizeof basic);
  return Result(env, kr, {words});
}

// [kr, the special port's name in this task's space]
Napi::Value GetSpecialPort(const Napi::CallbackInfo &info) {
  mach_port_t port = MACH_PORT_NULL;
  kern_return_t kr = task_get_special_port(ArgU32(info, 0, "task"), ArgI32(info, 1, "which_port"), &port);
  return Result(info.Env(), kr, {Napi::Number::New(info.Env(), port)});
}

Napi::Value SetSpecialPort(const Napi::CallbackInfo &info) {
  kern_return_t kr = task_set_special_port(ArgU32(info, 0, "task"), ArgI32(info, 1, "which_port"), ArgU32(info, 2, "special_port"));
  return Napi::Number::New(info.Env(), kr);
}

Napi::Value SetExceptionPorts(const Napi::CallbackInfo &info) {
  kern_return_t kr = task_set_exception_ports(ArgU32(info, 0, "task"), ArgU32(info, 1, "exception_mask"), ArgU32(info, 2, "new_port"),
                                              static_cast<exception_behavior_t>(ArgU32(info, 3, "behavior")),
                                              static_cast<thread_state_flavor_t>(ArgU32(info, 4, "new_flavor")));
  return Napi::Number::New(info.Env(), kr);
}

// The out-arrays of task_get/swap_exception_ports as one Uint32Array of 4 × count words:
// masks, then handlers, then behaviors, then flavors (the last two as the ints' bits).
static Napi::Value ExceptionArrays(Napi::Env env, kern_return_t kr, mach_msg_type_number_t count, const exception_mask_t *masks,
                                   const mach_port_t *handlers, const exception_behavior_t *behaviors, const thread_state_flavor_t *flavors) {
  if (kr != KERN_SUCCESS) return Result(env, kr);
  Napi::Uint32Array words = Napi::Uint32Array::New(env, 4 * static_cast<size_t>(count));
  for (mach_msg_type_number_t i = 0; i < count; i++) {
    words[i] = masks[i];
    words[count + i] = handlers[i];
    words[2 * count + i] = static_cast<uint32_t>(behaviors[i]);
    words[3 * count + i] = static_cast<uint32_t>(flavors[i]);
  }
  return Result(env, kr, {words});
}

// [kr, ExceptionArrays words]; the arrays are as large as MIG's (EXC_TYPES_COUNT).
Napi::Value GetExceptionPorts(const Napi::CallbackInfo &info) {
  exception_mask_t masks[EXC_TYPES_COUNT] = {};
  mach_port_t handlers[EXC_TYPES_COUNT] = {};
  exception_behavior_t behaviors[EXC_TYPES_COUNT] = {};
  thread_state_flavor_t flavors[EXC_TYPES_COUNT] = {};
  mach_msg_type_number_t count = EXC_TYPES_COUNT;
  kern_return_t kr = task_get_exception_ports(ArgU32(info, 0, "task"), ArgU32(info, 1, "exception_mask"), masks, &count, handlers, behaviors, flavors);
  return ExceptionArrays(info.Env(), kr, count, masks, handlers, behaviors, flavors);
}

Napi::Value SwapExceptionPorts(const Napi::CallbackInfo &info) {
  exception_mask_t masks[EXC_TYPES_COUNT] = {};
  mach_port_t handlers[EXC_TYPES_COUNT] = {};
  exception_behavior_t behaviors[EXC_TYPES_COUNT] = {};
  thread_state_flavor_t flavors[EXC_TYPES_COUNT] = {};
  mach_msg_type_number_t count = EXC_TYPES_COUNT;
  kern_return_t kr = task_swap_exception_ports(ArgU32(info, 0, "task"), ArgU32(info, 1, "exception_mask"), ArgU32(info, 2, "new_port"),
                                               static_cast<exception_behavior_t>(ArgU32(info, 3, "behavior")),
                                               static_cast<thread_state_flavor_t>(ArgU32(info, 4, "new_flavor")), masks, &count, handlers,
                                               behaviors, flavors);
  return ExceptionArrays(info.Env(), kr, count, masks, handlers, behaviors, flavors);
}

Napi::Value Kobject(const Napi::CallbackInfo &info) {
  natural_t type = 0;
  mach_vm_address_t addr = 0;
  kern_return_t kr = mach_port_kobject(ArgU32(info, 0, "task"), ArgU32(info, 1, "name"), &type, &addr);
  return Result(info.Env(), kr, {Napi::Number::New(info.Env(), type), U64(info.Env(), addr)});
}

}  // namespace

void RegisterPorts(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "mach_task_self", TaskSelf);
  Export(env, exports, "mach_host_self", HostSelf);
  Export(env, exports, "mach_port_allocate", Allocate);
  Export(env, exports, "mach_port_allocate_name", AllocateName);
  Export(env, exports, "mach_port_deallocate", Deallocate);
  Export(env, exports, "mach_port_destroy", Destroy);
  Export(env, exports, "mach_port_mod_refs", ModRefs);
  Export(env, exports, "mach_port_get_refs", GetRefs);
  Export(env, exports, "mach_port_insert_right", InsertRight);
  Export(env, exports, "mach_port_extract_right", ExtractRight);
  Export(env, exports, "mach_port_type", Type);
  Export(env, exports, "mach_port_names", Names);
  Export(env, exports, "mach_port_move_member", MoveMember);
  Export(env, exports, "mach_port_insert_member", InsertMember);
  Export(env, exports, "mach_port_extract_member", ExtractMember);
  Export(env, exports, "mach_port_get_set_status", GetSetStatus);
  Export(env, exports, "mach_port_request_notification", RequestNotification);
  Export(env, exports, "mach_port_get_attributes", GetAttributes);
  Export(env, exports, "mach_port_set_attributes", SetAttributes);
  Export(env, exports, "mach_port_set_mscount", SetMscount);
  Export(env, exports, "mach_port_set_seqno", SetSeqno);
  Export(env, exports, "mach_port_get_context", GetContext);
  Export(env, exports, "mach_port_set_context", SetContext);
  Export(env, exports, "mach_port_construct", Construct);
  Export(env, exports, "mach_port_destruct", Destruct);
  Export(env, exports, "mach_port_guard", Guard);
  Export(env, exports, "mach_port_unguard", Unguard);
  Export(env, exports, "mach_port_kobject", Kobject);
  Export(env, exports, "mach_port_guard_with_flags", GuardWithFlags);
  Export(env, exports, "mach_port_swap_guard", SwapGuard);
  Export(env, exports, "mach_port_peek", Peek);
  Export(env, exports, "mach_port_get_srights", GetSrights);
  Export(env, exports, "mach_port_dnrequest_info", DnrequestInfo);
  Export(env, exports, "mach_port_space_basic_info", SpaceBasicInfo);
  Export(env, exports, "task_get_special_port", GetSpecialPort);
  Export(env, exports, "task_set_special_port", SetSpecialPort);
  Export(env, exports, "task_set_exception_ports", SetExceptionPorts);
  Export(env, exports, "task_get_exception_ports", GetExceptionPorts);
  Export(env, exports, "task_swap_exception_ports", SwapExceptionPorts);
}

}  // namespace machport
