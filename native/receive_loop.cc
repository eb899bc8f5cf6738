// The receive loop: kqueue + EVFILT_MACHPORT + one thread + a thread-safe function.
#include "receive_loop.h"

#include <sys/event.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "addon.h"

namespace machport {
namespace {

constexpr uintptr_t kWakeIdent = 1;  // EVFILT_USER ident used to stop the thread

struct Ready {
  uint64_t name;
  uint16_t flags;
};

int Change(int kq, uint64_t ident, int16_t filter, uint16_t flags, uint32_t fflags) {
  struct kevent64_s ev;
  EV_SET64(&ev, ident, filter, flags, fflags, 0, 0, 0, 0);
  const struct timespec zero = {0, 0};
  int r = kevent64(kq, &ev, 1, nullptr, 0, 0, &zero);
  return r < 0 ? errno : 0;
}

void CallReady(Napi::Env env, Napi::Function onReady, Ready *ready) {
  std::unique_ptr<Ready> owned(ready);
  if (env == nullptr || onReady == nullptr) return;  // the function is being torn down
  try {
    onReady.Call({Napi::Number::New(env, static_cast<double>(owned->name)), Napi::Number::New(env, owned->flags)});
  } catch (const Napi::Error &e) {
    // Nothing may unwind into Node here; hand the exception to JS as an uncaught one.
    e.ThrowAsJavaScriptException();
  }
}

}  // namespace

void ReceiveLoop::Start(Napi::Env env, Napi::Function onReady) {
  if (started_) throw Napi::Error::New(env, "the receive loop is already started");
  int kq = kqueue();
  if (kq < 0) throw Napi::Error::New(env, std::string("kqueue() failed: ") + std::strerror(errno));
  if (Change(kq, kWakeIdent, EVFILT_USER, EV_ADD | EV_CLEAR, 0) != 0) {
    int err = errno;
    close(kq);
    throw Napi::Error::New(env, std::string("EVFILT_USER failed: ") + std::strerror(err));
  }
  kq_ = kq;
  env_ = env;
  tsfn_ = Napi::ThreadSafeFunction::New(env, onReady, "machport receive loop", 0, 1);
  tsfn_.Unref(env);  // only pending receives keep the process alive (Ref)
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
  started_ = true;
  // Registered after the thread-safe function, so it runs before Node's own teardown of it.
  hookRegistered_ = napi_add_env_cleanup_hook(env, OnEnvCleanup, this) == napi_ok;
}

void ReceiveLoop::OnEnvCleanup(void *self) {
  auto *loop = static_cast<ReceiveLoop *>(self);
  loop->hookRegistered_ = false;  // Node is running it; nothing to remove
  loop->Stop();
}

void ReceiveLoop::Run() {
  struct kevent64_s events[16];
  while (!stopping_.load()) {
    int n = kevent64(kq_, nullptr, 0, events, 16, 0, nullptr);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // the kqueue is gone
    }
    for (int i = 0; i < n; i++) {
      const struct kevent64_s &ev = events[i];
      if (ev.filter == EVFILT_USER) continue;  // a wake-up; the loop condition decides
      if (ev.filter != EVFILT_MACHPORT) continue;
      auto *ready = new Ready{ev.ident, ev.flags};
      // Never block here: Stop() joins this thread from the JS thread.
      if (tsfn_.NonBlockingCall(ready, CallReady) != napi_ok) {
        delete ready;
        if (stopping_.load()) return;
      }
    }
  }
}

int ReceiveLoop::Watch(mach_port_name_t name) {
  if (kq_ < 0) return EBADF;
  return Change(kq_, name, EVFILT_MACHPORT, EV_ADD | EV_ENABLE | EV_ONESHOT, 0);
}

int ReceiveLoop::Unwatch(mach_port_name_t name) {
  if (kq_ < 0) return EBADF;
  return Change(kq_, name, EVFILT_MACHPORT, EV_DELETE, 0);
}

void ReceiveLoop::Ref(Napi::Env env, bool ref) {
  if (!started_) return;
  if (ref) tsfn_.Ref(env);
  else tsfn_.Unref(env);
}

void ReceiveLoop::Stop() {
  if (!started_) return;
  started_ = false;
  stopping_ = true;
  Change(kq_, kWakeIdent, EVFILT_USER, 0, NOTE_TRIGGER);
  if (thread_.joinable()) thread_.join();
  tsfn_.Release();
  close(kq_);
  kq_ = -1;
  if (hookRegistered_) {
    hookRegistered_ = false;
    napi_remove_env_cleanup_hook(env_, OnEnvCleanup, this);
  }
}

namespace {

ReceiveLoop &LoopOf(const Napi::CallbackInfo &info) { return Addon::From(info.Env()).Loop(); }

// loop_start(onReady(name, flags))
Napi::Value LoopStart(const Napi::CallbackInfo &info) {
  if (info.Length() < 1 || !info[0].IsFunction()) throw Napi::TypeError::New(info.Env(), "onReady must be a function");
  LoopOf(info).Start(info.Env(), info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

Napi::Value LoopWatch(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), LoopOf(info).Watch(ArgU32(info, 0, "name")));
}

Napi::Value LoopUnwatch(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), LoopOf(info).Unwatch(ArgU32(info, 0, "name")));
}

Napi::Value LoopRef(const Napi::CallbackInfo &info) {
  LoopOf(info).Ref(info.Env(), ArgBool(info, 0, "ref"));
  return info.Env().Undefined();
}

Napi::Value LoopStop(const Napi::CallbackInfo &info) {
  LoopOf(info).Stop();
  return info.Env().Undefined();
}

}  // namespace

void RegisterReceiveLoop(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "loop_start", LoopStart);
  Export(env, exports, "loop_watch", LoopWatch);
  Export(env, exports, "loop_unwatch", LoopUnwatch);
  Export(env, exports, "loop_ref", LoopRef);
  Export(env, exports, "loop_stop", LoopStop);
}

}  // namespace machport
