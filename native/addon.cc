// Module entry: the per-instance Addon and the argument/result helpers.
#include "addon.h"

#include "messages.h"
#include "receive_loop.h"

namespace machport {

Addon::Addon(Napi::Env env, Napi::Object exports)
    : loop_(std::make_unique<ReceiveLoop>()), sends_(std::make_unique<SendRegistry>()), host_(mach_host_self()) {
  RegisterPorts(env, exports);
  RegisterMessages(env, exports);
  RegisterReceiveLoop(env, exports);
  RegisterBootstrap(env, exports);
  RegisterKernelInfo(env, exports);
  RegisterNotify(env, exports);
  RegisterIntrospection(env, exports);
  RegisterBench(env, exports);
  exports.Set("abiVersion", Napi::Number::New(env, 1));
}

Addon::~Addon() {
  loop_.reset();  // stops and joins the loop thread if the cleanup hook has not already
  if (MACH_PORT_VALID(host_)) mach_port_deallocate(mach_task_self(), host_);
}

static Napi::Value Arg(const Napi::CallbackInfo &info, size_t i) {
  return i < info.Length() ? info[i] : info.Env().Undefined();
}

static void TypeError(const Napi::CallbackInfo &info, const char *what, const char *expected) {
  std::string msg = std::string(what) + " must be " + expected;
  throw Napi::TypeError::New(info.Env(), msg);
}

uint32_t ArgU32(const Napi::CallbackInfo &info, size_t i, const char *what) {
  Napi::Value v = Arg(info, i);
  if (!v.IsNumber()) TypeError(info, what, "a number");
  return v.As<Napi::Number>().Uint32Value();
}

int32_t ArgI32(const Napi::CallbackInfo &info, size_t i, const char *what) {
  Napi::Value v = Arg(info, i);
  if (!v.IsNumber()) TypeError(info, what, "a number");
  return v.As<Napi::Number>().Int32Value();
}

uint64_t ArgU64(const Napi::CallbackInfo &info, size_t i, const char *what) {
  Napi::Value v = Arg(info, i);
  if (!v.IsBigInt()) TypeError(info, what, "a bigint");
  bool lossless = true;
  return v.As<Napi::BigInt>().Uint64Value(&lossless);
}

bool ArgBool(const Napi::CallbackInfo &info, size_t i, const char *what) {
  Napi::Value v = Arg(info, i);
  if (!v.IsBoolean()) TypeError(info, what, "a boolean");
  return v.As<Napi::Boolean>().Value();
}

std::string ArgString(const Napi::CallbackInfo &info, size_t i, const char *what) {
  Napi::Value v = Arg(info, i);
  if (!v.IsString()) TypeError(info, what, "a string");
  return v.As<Napi::String>().Utf8Value();
}

Napi::TypedArray ArgTypedArray(const Napi::CallbackInfo &info, size_t i, const char *what) {
  Napi::Value v = Arg(info, i);
  if (!v.IsTypedArray()) TypeError(info, what, "a typed array");
  return v.As<Napi::TypedArray>();
}

Napi::Array Result(Napi::Env env, kern_return_t kr, std::initializer_list<Napi::Value> values) {
  Napi::Array out = Napi::Array::New(env, values.size() + 1);
  out.Set(uint32_t{0}, Napi::Number::New(env, kr));
  uint32_t i = 1;
  for (const Napi::Value &v : values) out.Set(i++, v);
  return out;
}

Napi::Value U64(Napi::Env env, uint64_t v) { return Napi::BigInt::New(env, v); }

}  // namespace machport

// The registration macro pastes the class name into an identifier: no namespace there.
using MachportAddon = machport::Addon;
NODE_API_ADDON(MachportAddon)
