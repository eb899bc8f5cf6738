// One kqueue per addon instance, watched by one thread, for receive readiness.
#pragma once

#include <napi.h>

#include <mach/mach.h>

#include <atomic>
#include <thread>

namespace machport {

// EVFILT_MACHPORT knotes (one-shot, re-armed by TypeScript while it still has waiters) on
// the receive rights and port sets TypeScript is waiting on, all in one kqueue. A single
// thread blocks in kevent64 and posts each readiness (the port name) to the JS thread
// through a thread-safe function; TypeScript then receives with a zero timeout. One thread
// per addon instance, none per port.
class ReceiveLoop {
 public:
  ReceiveLoop() = default;
  ~ReceiveLoop() { Stop(); }
  ReceiveLoop(const ReceiveLoop &) = delete;
  ReceiveLoop &operator=(const ReceiveLoop &) = delete;

  // Creates the kqueue, the thread-safe function around `onReady(name, flags)` and the
  // thread; registers an environment cleanup hook that stops them before Node tears the
  // thread-safe function down (hooks run last-registered first).
  void Start(Napi::Env env, Napi::Function onReady);
  // errno of arming a one-shot EVFILT_MACHPORT knote on `name` (0 on success).
  int Watch(mach_port_name_t name);
  // errno of removing it (ENOENT when it already fired).
  int Unwatch(mach_port_name_t name);
  // Keep the event loop alive while JS waits for a message, or not.
  void Ref(Napi::Env env, bool ref);
  void Stop();
  bool Started() const { return started_; }

 private:
  void Run();
  static void OnEnvCleanup(void *self);

  int kq_ = -1;
  bool started_ = false;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  Napi::ThreadSafeFunction tsfn_;
  napi_env env_ = nullptr;
  bool hookRegistered_ = false;
};

}  // namespace machport
