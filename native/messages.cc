// mach_msg for sends and receives, one call each. Blocking is never done on the JS
// thread: TypeScript first tries every send with a zero send timeout and every receive
// with a zero receive timeout; a send that finds the queue full continues here on the
// thread pool (msg_send_async), and a receive waits for the receive loop's readiness
// event (receive_loop.cc) and then tries again.
#include "messages.h"

#include <mach/mach.h>

#include <chrono>
#include <cstring>

#include "addon.h"
#include "compat/mach_vm.h"

namespace machport {
namespace {

constexpr size_t kHeaderSize = sizeof(mach_msg_header_t);  // 24
static_assert(kHeaderSize == 24, "64-bit mach_msg_header_t");
// Longest wait inside one mach_msg call of a blocking send; between slices the worker
// checks for cancellation. Each slice that times out pseudo-receives the message back into
// the buffer (rights handed back with MOVE dispositions), which is then sent again.
constexpr uint32_t kSendSliceMs = 100;

uint8_t *TypedArrayBytes(const Napi::TypedArray &arr) {
  return static_cast<uint8_t *>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
}

Napi::Uint8Array ArgBytes(const Napi::CallbackInfo &info, size_t i, const char *what) {
  Napi::TypedArray arr = ArgTypedArray(info, i, what);
  if (arr.TypedArrayType() != napi_uint8_array) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a Uint8Array");
  return arr.As<Napi::Uint8Array>();
}

void CheckSize(const Napi::CallbackInfo &info, const Napi::Uint8Array &bytes, uint32_t size) {
  if (size < kHeaderSize || size > bytes.ByteLength()) {
    throw Napi::RangeError::New(info.Env(), "size must be at least 24 and at most the buffer length");
  }
}

void PutU64(uint8_t *p, uint64_t v) { std::memcpy(p, &v, sizeof v); }
uint64_t GetU64(const uint8_t *p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
uint32_t GetU32(const uint8_t *p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// After a pseudo-receive the OOL regions named by the buffer are new mappings in this
// task; resending must hand them over (deallocate = TRUE) or each retry would leak one.
void MarkOolForHandOver(uint8_t *msg, uint32_t size) {
  mach_msg_bits_t bits = GetU32(msg);
  if ((bits & MACH_MSGH_BITS_COMPLEX) == 0 || size < kHeaderSize + 4) return;
  uint32_t count = GetU32(msg + kHeaderSize);
  uint32_t pos = kHeaderSize + 4;
  for (uint32_t i = 0; i < count; i++) {
    if (pos + 12 > size) return;
    uint8_t type = msg[pos + 11];
    if (type == MACH_MSG_PORT_DESCRIPTOR) {
      pos += 12;
      continue;
    }
    if (pos + 16 > size) return;
    if (type == MACH_MSG_OOL_DESCRIPTOR || type == MACH_MSG_OOL_VOLATILE_DESCRIPTOR || type == MACH_MSG_OOL_PORTS_DESCRIPTOR) {
      if (GetU64(msg + pos) != 0 && GetU32(msg + pos + 12) != 0) msg[pos + 8] = 1;
    } else if (type != MACH_MSG_GUARDED_PORT_DESCRIPTOR) {
      return;
    }
    pos += 16;
  }
}

// msg_send(bytes, size, option, timeout, patchOffsets: Uint32Array, patchData: TypedArray[])
// Writes each patchData's address into the OOL descriptor at patchOffsets[i] (address at
// +0; deallocate at +8 forced FALSE: the memory belongs to JS, and V8 frees it; for a
// deallocate send lib/native/mach-msg.ts detaches the whole JS buffers once the kernel has
// copied them in), then one mach_msg send.
// The kernel reads the OOL memory during the call. Returns the mach_msg_return_t; on a
// pseudo-receive the buffer holds what the kernel wrote back.
Napi::Value MsgSend(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Uint8Array bytes = ArgBytes(info, 0, "bytes");
  uint32_t size = ArgU32(info, 1, "size");
  mach_msg_option_t option = ArgU32(info, 2, "option");
  mach_msg_timeout_t timeout = ArgU32(info, 3, "timeout");
  Napi::TypedArray offsetsArg = ArgTypedArray(info, 4, "patchOffsets");
  if (offsetsArg.TypedArrayType() != napi_uint32_array) throw Napi::TypeError::New(env, "patchOffsets must be a Uint32Array");
  Napi::Uint32Array offsets = offsetsArg.As<Napi::Uint32Array>();
  if (info.Length() < 6 || !info[5].IsArray()) throw Napi::TypeError::New(env, "patchData must be an array");
  Napi::Array data = info[5].As<Napi::Array>();
  CheckSize(info, bytes, size);
  if (data.Length() != offsets.ElementLength()) throw Napi::RangeError::New(env, "patchData and patchOffsets differ in length");

  uint8_t *msg = TypedArrayBytes(bytes);
  for (uint32_t i = 0; i < data.Length(); i++) {
    uint32_t off = offsets[i];
    if (off < kHeaderSize + 4 || off + 16 > size) throw Napi::RangeError::New(env, "patch offset outside the descriptors");
    Napi::Value v = data.Get(i);
    if (!v.IsTypedArray()) throw Napi::TypeError::New(env, "patchData entries must be typed arrays");
    Napi::TypedArray region = v.As<Napi::TypedArray>();
    uint64_t addr = region.ByteLength() == 0 ? 0 : reinterpret_cast<uint64_t>(TypedArrayBytes(region));
    PutU64(msg + off, addr);
    msg[off + 8] = 0;
  }
  option = (option & ~static_cast<mach_msg_option_t>(MACH_RCV_MSG)) | MACH_SEND_MSG;
  mach_msg_return_t mr = mach_msg(reinterpret_cast<mach_msg_header_t *>(msg), option, size, 0, MACH_PORT_NULL, timeout, MACH_PORT_NULL);
  return Napi::Number::New(env, mr);
}

class SendWorker : public Napi::AsyncWorker {
 public:
  SendWorker(Napi::Env env, Napi::Uint8Array bytes, uint32_t size, mach_msg_option_t option, int64_t timeoutMs, uint32_t id,
             std::shared_ptr<std::atomic<bool>> cancel)
      : Napi::AsyncWorker(env, "machport:mach_msg send"),
        deferred_(Napi::Promise::Deferred::New(env)),
        bytesRef_(Napi::Persistent(static_cast<Napi::Object>(bytes))),
        msg_(TypedArrayBytes(bytes)),
        size_(size),
        option_(option),
        timeoutMs_(timeoutMs),
        id_(id),
        cancel_(std::move(cancel)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeoutMs_ < 0 ? 0 : timeoutMs_);
    const mach_msg_option_t option =
        (option_ & ~static_cast<mach_msg_option_t>(MACH_RCV_MSG | MACH_SEND_TIMEOUT)) | MACH_SEND_MSG | MACH_SEND_TIMEOUT;
    for (;;) {
      // The buffer was pseudo-received (by TypeScript's first, zero-timeout attempt or by
      // the previous slice): hand its OOL regions over when it goes out again.
      MarkOolForHandOver(msg_, size_);
      uint32_t slice = kSendSliceMs;
      if (timeoutMs_ >= 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left < 0) left = 0;
        if (left < slice) slice = static_cast<uint32_t>(left);
      }
      result_ = mach_msg(reinterpret_cast<mach_msg_header_t *>(msg_), option, size_, 0, MACH_PORT_NULL, slice, MACH_PORT_NULL);
      if (result_ != MACH_SEND_TIMED_OUT) return;
      if (cancel_->load()) {
        cancelled_ = true;
        return;
      }
      if (timeoutMs_ >= 0 && Clock::now() >= deadline) return;
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Addon::From(env).Sends().Remove(id_);
    Napi::Object out = Napi::Object::New(env);
    out.Set("kr", Napi::Number::New(env, result_));
    out.Set("cancelled", Napi::Boolean::New(env, cancelled_));
    deferred_.Resolve(out);
  }

  void OnError(const Napi::Error &e) override {
    Addon::From(Env()).Sends().Remove(id_);
    deferred_.Reject(e.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference bytesRef_;  // keeps the buffer (and so msg_) alive
  uint8_t *msg_;
  uint32_t size_;
  mach_msg_option_t option_;
  int64_t timeoutMs_;
  uint32_t id_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  mach_msg_return_t result_ = MACH_SEND_TIMED_OUT;
  bool cancelled_ = false;
};

// msg_send_async(bytes, size, option, timeoutMs | -1) -> [Promise<{kr, cancelled}>, id]
// Continues a send whose first zero-timeout attempt found the queue full (so `bytes` holds
// the pseudo-received message). Waits on the thread pool in slices until the message is
// queued, the destination dies, `timeoutMs` passes (MACH_SEND_TIMED_OUT, buffer
// pseudo-received again), or msg_send_cancel(id).
Napi::Value MsgSendAsync(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Uint8Array bytes = ArgBytes(info, 0, "bytes");
  uint32_t size = ArgU32(info, 1, "size");
  mach_msg_option_t option = ArgU32(info, 2, "option");
  Napi::Value t = info.Length() > 3 ? info[3] : env.Undefined();
  if (!t.IsNumber()) throw Napi::TypeError::New(env, "timeoutMs must be a number");
  int64_t timeoutMs = t.As<Napi::Number>().Int64Value();
  CheckSize(info, bytes, size);
  auto cancel = std::make_shared<std::atomic<bool>>(false);
  uint32_t id = Addon::From(env).Sends().Add(cancel);
  auto *worker = new SendWorker(env, bytes, size, option, timeoutMs, id, cancel);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(uint32_t{0}, promise);
  out.Set(uint32_t{1}, Napi::Number::New(env, id));
  return out;
}

Napi::Value MsgSendCancel(const Napi::CallbackInfo &info) {
  return Napi::Boolean::New(info.Env(), Addon::From(info.Env()).Sends().Cancel(ArgU32(info, 0, "id")));
}

// msg_receive(buffer, option, rcvName, timeout, rcvSize) -> mach_msg_return_t
// One receive into `buffer` (rcvSize bytes of it). TypeScript passes MACH_RCV_TIMEOUT with
// 0 for a poll; a received message's OOL addresses are then taken with take_ool*.
Napi::Value MsgReceive(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Uint8Array buffer = ArgBytes(info, 0, "buffer");
  mach_msg_option_t option = ArgU32(info, 1, "option");
  mach_port_name_t rcvName = ArgU32(info, 2, "rcvName");
  mach_msg_timeout_t timeout = ArgU32(info, 3, "timeout");
  uint32_t rcvSize = ArgU32(info, 4, "rcvSize");
  if (rcvSize > buffer.ByteLength()) throw Napi::RangeError::New(env, "rcvSize exceeds the buffer");
  option = (option & ~static_cast<mach_msg_option_t>(MACH_SEND_MSG)) | MACH_RCV_MSG;
  mach_msg_return_t mr =
      mach_msg(reinterpret_cast<mach_msg_header_t *>(TypedArrayBytes(buffer)), option, 0, rcvSize, rcvName, timeout, MACH_PORT_NULL);
  return Napi::Number::New(env, mr);
}

// What the finalizer of a received OOL region needs: its size and the instance's count.
struct RegionHint {
  uint32_t size;
  std::shared_ptr<std::atomic<int64_t>> outstanding;
};

void FreeRegion(napi_env, void *data, void *hint) {
  auto *h = static_cast<RegionHint *>(hint);
  mach_vm_deallocate(mach_task_self(), reinterpret_cast<mach_vm_address_t>(data), h->size);
  h->outstanding->fetch_sub(1);
  delete h;
}

// take_ool(address, size) -> ArrayBuffer over the region the kernel mapped for a received
// OOL descriptor; the region is deallocated when the ArrayBuffer is collected. Where the
// runtime refuses external buffers (V8 sandbox builds), the bytes are copied and the region
// freed at once.
Napi::Value TakeOol(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  uint64_t address = ArgU64(info, 0, "address");
  uint32_t size = ArgU32(info, 1, "size");
  if (address == 0 || size == 0) return Napi::ArrayBuffer::New(env, 0);
  void *data = reinterpret_cast<void *>(address);
  auto *hint = new RegionHint{size, Addon::From(env).OolOutstanding()};
  hint->outstanding->fetch_add(1);
  napi_value ab = nullptr;
  napi_status status = napi_create_external_arraybuffer(env, data, size, FreeRegion, hint, &ab);
  if (status == napi_ok) return Napi::Value(env, ab);
  Napi::ArrayBuffer copy = Napi::ArrayBuffer::New(env, size);
  std::memcpy(copy.Data(), data, size);
  FreeRegion(env, data, hint);
  return copy;
}

// take_ool_ports(address, count) -> Uint32Array of the names; the array's region is freed.
Napi::Value TakeOolPorts(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  uint64_t address = ArgU64(info, 0, "address");
  uint32_t count = ArgU32(info, 1, "count");
  Napi::Uint32Array out = Napi::Uint32Array::New(env, address == 0 ? 0 : count);
  if (address == 0 || count == 0) return out;
  std::memcpy(out.Data(), reinterpret_cast<const void *>(address), count * sizeof(mach_port_name_t));
  mach_vm_deallocate(mach_task_self(), address, count * sizeof(mach_port_name_t));
  return out;
}

// ool_outstanding() -> received OOL regions still mapped because a JS ArrayBuffer holds them.
Napi::Value OolOutstanding(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), static_cast<double>(Addon::From(info.Env()).OolOutstanding()->load()));
}

// free_region(address, size): for regions a failed decode never handed to JS.
Napi::Value FreeRegionJs(const Napi::CallbackInfo &info) {
  uint64_t address = ArgU64(info, 0, "address");
  uint32_t size = ArgU32(info, 1, "size");
  kern_return_t kr = KERN_SUCCESS;
  if (address != 0 && size != 0) kr = mach_vm_deallocate(mach_task_self(), address, size);
  return Napi::Number::New(info.Env(), kr);
}

}  // namespace

void RegisterMessages(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "msg_send", MsgSend);
  Export(env, exports, "msg_send_async", MsgSendAsync);
  Export(env, exports, "msg_send_cancel", MsgSendCancel);
  Export(env, exports, "msg_receive", MsgReceive);
  Export(env, exports, "take_ool", TakeOol);
  Export(env, exports, "take_ool_ports", TakeOolPorts);
  Export(env, exports, "free_region", FreeRegionJs);
  Export(env, exports, "ool_outstanding", OolOutstanding);
}

}  // namespace machport
