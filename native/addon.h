// machport's Darwin addon: thin Node-API wrappers over libSystem's Mach calls.
//
// Every wrapper returns what the C call returned and leaves the meaning to TypeScript
// (lib/native/): a kern_return_t alone, or an array [kr, out...]. Argument *types* are
// checked here (TypeError); argument values, guard-exception pre-checks and error
// objects are TypeScript's job. No global state: everything per process instance lives in
// the Addon (Node-API instance data), so the addon loads once per worker thread.
#pragma once

#include <napi.h>

#include <mach/mach.h>

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>

namespace machport {

class ReceiveLoop;
class SendRegistry;

class Addon : public Napi::Addon<Addon> {
 public:
  Addon(Napi::Env env, Napi::Object exports);
  ~Addon();

  ReceiveLoop &Loop() { return *loop_; }
  SendRegistry &Sends() { return *sends_; }
  // mach_host_self() taken once per instance: each call adds a user reference.
  mach_port_t Host() const { return host_; }
  // Received OOL regions handed to JS and not yet freed (shared with the finalizers, which
  // may run after the instance is gone).
  const std::shared_ptr<std::atomic<int64_t>> &OolOutstanding() const { return oolOutstanding_; }

  static Addon &From(Napi::Env env) { return *env.GetInstanceData<Addon>(); }

 private:
  std::unique_ptr<ReceiveLoop> loop_;
  std::unique_ptr<SendRegistry> sends_;
  std::shared_ptr<std::atomic<int64_t>> oolOutstanding_ = std::make_shared<std::atomic<int64_t>>(0);
  mach_port_t host_;
};

// Argument readers: throw Napi::TypeError naming the argument when the JS type is wrong.
uint32_t ArgU32(const Napi::CallbackInfo &info, size_t i, const char *what);
int32_t ArgI32(const Napi::CallbackInfo &info, size_t i, const char *what);
uint64_t ArgU64(const Napi::CallbackInfo &info, size_t i, const char *what);  // BigInt
bool ArgBool(const Napi::CallbackInfo &info, size_t i, const char *what);
std::string ArgString(const Napi::CallbackInfo &info, size_t i, const char *what);
Napi::TypedArray ArgTypedArray(const Napi::CallbackInfo &info, size_t i, const char *what);

// [kr, values...] as a JS array.
Napi::Array Result(Napi::Env env, kern_return_t kr, std::initializer_list<Napi::Value> values = {});
Napi::Value U64(Napi::Env env, uint64_t v);

void RegisterPorts(Napi::Env env, Napi::Object exports);
void RegisterMessages(Napi::Env env, Napi::Object exports);
void RegisterReceiveLoop(Napi::Env env, Napi::Object exports);
void RegisterBootstrap(Napi::Env env, Napi::Object exports);
void RegisterKernelInfo(Napi::Env env, Napi::Object exports);
void RegisterNotify(Napi::Env env, Napi::Object exports);
void RegisterIntrospection(Napi::Env env, Napi::Object exports);
void RegisterBench(Napi::Env env, Napi::Object exports);  // bench.cc: a benchmark hook, not Mach API

inline void Export(Napi::Env env, Napi::Object exports, const char *name, Napi::Function::Callback fn) {
  exports.Set(name, Napi::Function::New(env, fn, name));
}

}  // namespace machport
