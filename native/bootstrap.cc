// launchd's bootstrap calls, through libSystem (on a Mac: libxpc).
#include <mach/mach.h>

#include <cstring>

#include "addon.h"
#include "compat/bootstrap.h"

namespace machport {
namespace {

// name_t is char[128]; TypeScript refuses names of 128 bytes or more (launchd would
// silently truncate them), this only keeps the copy in bounds.
void CopyName(const std::string &in, name_t out) {
  std::memset(out, 0, sizeof(name_t));
  std::strncpy(out, in.c_str(), sizeof(name_t) - 1);
}

Napi::Value BootstrapPort(const Napi::CallbackInfo &info) { return Napi::Number::New(info.Env(), bootstrap_port); }

Napi::Value LookUp(const Napi::CallbackInfo &info) {
  name_t name;
  CopyName(ArgString(info, 1, "service_name"), name);
  mach_port_t sp = MACH_PORT_NULL;
  kern_return_t kr = bootstrap_look_up(ArgU32(info, 0, "bp"), name, &sp);
  return Result(info.Env(), kr, {Napi::Number::New(info.Env(), sp)});
}

Napi::Value CheckIn(const Napi::CallbackInfo &info) {
  name_t name;
  CopyName(ArgString(info, 1, "service_name"), name);
  mach_port_t sp = MACH_PORT_NULL;
  kern_return_t kr = bootstrap_check_in(ArgU32(info, 0, "bp"), name, &sp);
  return Result(info.Env(), kr, {Napi::Number::New(info.Env(), sp)});
}

Napi::Value Register(const Napi::CallbackInfo &info) {
  name_t name;
  CopyName(ArgString(info, 1, "service_name"), name);
  // Deprecated since 10.5 but still served for unsandboxed processes.
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
  kern_return_t kr = bootstrap_register(ArgU32(info, 0, "bp"), name, ArgU32(info, 2, "sp"));
#pragma clang diagnostic pop
  return Napi::Number::New(info.Env(), kr);
}

Napi::Value StrError(const Napi::CallbackInfo &info) {
  const char *s = bootstrap_strerror(ArgI32(info, 0, "kr"));
  return Napi::String::New(info.Env(), s != nullptr ? s : "");
}

}  // namespace

void RegisterBootstrap(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "bootstrap_port", BootstrapPort);
  Export(env, exports, "bootstrap_look_up", LookUp);
  Export(env, exports, "bootstrap_check_in", CheckIn);
  Export(env, exports, "bootstrap_register", Register);
  Export(env, exports, "bootstrap_strerror", StrError);
}

}  // namespace machport
