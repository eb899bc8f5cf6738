// libnotify (Darwin notifications, served by notifyd), through libSystem.
#include <mach/mach.h>

#include "addon.h"
#include "compat/notify.h"

namespace machport {
namespace {

// notify_register_mach_port(name, port, flags) -> [status, port, token]
// Without NOTIFY_REUSE notifyd creates the port (qlimit 16) and this task receives its
// receive right; with it, `port` must be one an earlier registration returned.
Napi::Value RegisterMachPort(const Napi::CallbackInfo &info) {
  std::string name = ArgString(info, 0, "name");
  mach_port_t port = ArgU32(info, 1, "port");
  int token = -1;
  uint32_t status = notify_register_mach_port(name.c_str(), &port, ArgI32(info, 2, "flags"), &token);
  return Result(info.Env(), static_cast<kern_return_t>(status),
                {Napi::Number::New(info.Env(), port), Napi::Number::New(info.Env(), token)});
}

Napi::Value Post(const Napi::CallbackInfo &info) {
  std::string name = ArgString(info, 0, "name");
  return Napi::Number::New(info.Env(), notify_post(name.c_str()));
}

Napi::Value Cancel(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), notify_cancel(ArgI32(info, 0, "token")));
}

// notify_register_check(name) -> [status, token]
Napi::Value RegisterCheck(const Napi::CallbackInfo &info) {
  std::string name = ArgString(info, 0, "name");
  int token = -1;
  uint32_t status = notify_register_check(name.c_str(), &token);
  return Result(info.Env(), static_cast<kern_return_t>(status), {Napi::Number::New(info.Env(), token)});
}

// notify_check(token) -> [status, check]
Napi::Value Check(const Napi::CallbackInfo &info) {
  int check = 0;
  uint32_t status = notify_check(ArgI32(info, 0, "token"), &check);
  return Result(info.Env(), static_cast<kern_return_t>(status), {Napi::Number::New(info.Env(), check)});
}

Napi::Value Suspend(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), notify_suspend(ArgI32(info, 0, "token")));
}

Napi::Value Resume(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), notify_resume(ArgI32(info, 0, "token")));
}

// notify_get_state(token) -> [status, state (BigInt)]
Napi::Value GetState(const Napi::CallbackInfo &info) {
  uint64_t state = 0;
  uint32_t status = notify_get_state(ArgI32(info, 0, "token"), &state);
  return Result(info.Env(), static_cast<kern_return_t>(status), {U64(info.Env(), state)});
}

// notify_set_state(token, state (BigInt)) -> status
Napi::Value SetState(const Napi::CallbackInfo &info) {
  int token = ArgI32(info, 0, "token");
  uint64_t state = ArgU64(info, 1, "state");
  return Napi::Number::New(info.Env(), notify_set_state(token, state));
}

Napi::Value IsValidToken(const Napi::CallbackInfo &info) {
  return Napi::Boolean::New(info.Env(), notify_is_valid_token(ArgI32(info, 0, "token")));
}

}  // namespace

void RegisterNotify(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "notify_register_mach_port", RegisterMachPort);
  Export(env, exports, "notify_post", Post);
  Export(env, exports, "notify_cancel", Cancel);
  Export(env, exports, "notify_register_check", RegisterCheck);
  Export(env, exports, "notify_check", Check);
  Export(env, exports, "notify_suspend", Suspend);
  Export(env, exports, "notify_resume", Resume);
  Export(env, exports, "notify_get_state", GetState);
  Export(env, exports, "notify_set_state", SetState);
  Export(env, exports, "notify_is_valid_token", IsValidToken);
}

}  // namespace machport
