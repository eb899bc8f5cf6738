// A benchmark hook, not part of the Mach API: bench_mach_msg_round_trip times, entirely in
// C++, the same Mach round trip that NativeApi.mach_msg(msg, MACH_SEND_MSG | MACH_RCV_MSG,
// port) makes for a simple message to a port of this task's own, so that the bench row
// `native-overhead` can compare the two. Everything the JS path adds (Node-API crossings,
// the codec, the guard pre-checks, promises) is the difference.
//
// The shape, mirrored by bench/cases/native-overhead.js:
//   setup (untimed): a receive right and one send right under the same name;
//   per round trip (timed), the two mach_msg calls the native backend makes:
//     1. send: header (24 bytes) + `bytes` bytes of inline body, remote disposition
//        COPY_SEND, no reply port, options MACH_SEND_MSG | MACH_SEND_TIMEOUT with 0 ms
//        (the backend's first, never-blocking attempt);
//     2. receive on the same port: MACH_RCV_MSG | MACH_RCV_TIMEOUT (0 ms) | MACH_RCV_LARGE
//        (the backend's poll; the message is already queued);
//   teardown (untimed): every send uref, then the receive right, so no name is left.
// The clock is mach_absolute_time scaled by mach_timebase_info.
#include <mach/mach.h>
#include <mach/mach_time.h>

#include <cstdint>
#include <cstring>
#include <new>
#include <vector>

#include "addon.h"

namespace machport {
namespace {

// A benchmark's knobs, not Mach limits: enough for ~10 s of round trips on the JS thread
// at most, and bodies well inside what the kernel takes inline.
constexpr uint32_t kMaxIterations = 10000000;
constexpr uint32_t kMaxBodyBytes = 65536;
constexpr mach_msg_id_t kMsgId = 0x6d70;  // 'mp'; checked on receipt

// Release the port BenchMachMsgRoundTrip made, whatever happened in between. The send urefs are counted rather
// than assumed: a send that failed after copy-in (pseudo-receive) hands the destination
// right back as one more uref. Send rights go first so that dropping the receive right
// frees the name instead of leaving a dead name behind; any queued message dies with the
// port. Returns the first failure.
kern_return_t TearDown(mach_port_t task, mach_port_name_t port) {
  kern_return_t first = KERN_SUCCESS;
  mach_port_urefs_t refs = 0;
  kern_return_t kr = mach_port_get_refs(task, port, MACH_PORT_RIGHT_SEND, &refs);
  if (kr != KERN_SUCCESS) first = kr;
  if (kr == KERN_SUCCESS && refs > 0) {
    kr = mach_port_mod_refs(task, port, MACH_PORT_RIGHT_SEND, -static_cast<mach_port_delta_t>(refs));
    if (kr != KERN_SUCCESS && first == KERN_SUCCESS) first = kr;
  }
  kr = mach_port_mod_refs(task, port, MACH_PORT_RIGHT_RECEIVE, -1);
  if (kr != KERN_SUCCESS && first == KERN_SUCCESS) first = kr;
  return first;
}

// The timed loop. Stops at the first call that does not succeed and returns its code.
kern_return_t RoundTrips(mach_port_name_t port, uint32_t iterations, uint32_t bytes, uint64_t *ticks) {
  const mach_msg_size_t sendSize = static_cast<mach_msg_size_t>(sizeof(mach_msg_header_t)) + bytes;
  // Room for the message plus the largest trailer the kernel can append (only the 8-byte
  // default one is asked for), so MACH_RCV_TOO_LARGE cannot happen for our own message.
  // Were it to happen anyway, MACH_RCV_LARGE leaves the message queued, the loop returns
  // the code, and the message dies with the port in TearDown. (The JS side receives into
  // the backend's reusable 4 KiB buffer; either way the kernel copies out only the message
  // and its trailer.)
  const mach_msg_size_t rcvSize = sendSize + MAX_TRAILER_SIZE;
  // uint64_t storage keeps both buffers aligned for mach_msg_header_t.
  std::vector<uint64_t> sendBuf((sendSize + 7) / 8, 0);
  std::vector<uint64_t> rcvBuf((rcvSize + 7) / 8, 0);
  auto *send = reinterpret_cast<mach_msg_header_t *>(sendBuf.data());
  auto *rcv = reinterpret_cast<mach_msg_header_t *>(rcvBuf.data());
  std::memset(reinterpret_cast<uint8_t *>(send) + sizeof(mach_msg_header_t), 0xa5, bytes);

  const uint64_t start = mach_absolute_time();
  for (uint32_t i = 0; i < iterations; i++) {
    // A successful send leaves the buffer as it was, but the header is rewritten each time
    // anyway, as the JS side encodes a fresh message each time.
    send->msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
    send->msgh_size = sendSize;
    send->msgh_remote_port = port;
    send->msgh_local_port = MACH_PORT_NULL;
    send->msgh_voucher_port = MACH_PORT_NULL;
    send->msgh_id = kMsgId;
    mach_msg_return_t mr = mach_msg(send, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sendSize, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
    if (mr != MACH_MSG_SUCCESS) return mr;
    mr = mach_msg(rcv, MACH_RCV_MSG | MACH_RCV_TIMEOUT | MACH_RCV_LARGE, 0, rcvSize, port, 0, MACH_PORT_NULL);
    if (mr != MACH_MSG_SUCCESS) return mr;
    // Someone else's message (nobody else holds a send right, so this means a bug).
    if (rcv->msgh_id != kMsgId || rcv->msgh_size != sendSize) return KERN_FAILURE;
  }
  *ticks = mach_absolute_time() - start;
  return KERN_SUCCESS;
}

// bench_mach_msg_round_trip(iterations, bytes) -> [kr, nsPerRoundTrip]
// Values out of range (iterations 0 or above 10,000,000; bytes not a multiple of 4 or
// above 65,536) give KERN_INVALID_ARGUMENT without touching a port; a failed Mach call
// gives its code (after the teardown). TypeScript turns a non-zero kr into a MachError.
Napi::Value BenchMachMsgRoundTrip(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  const uint32_t iterations = ArgU32(info, 0, "iterations");
  const uint32_t bytes = ArgU32(info, 1, "bytes");
  auto result = [&](kern_return_t kr, double ns) { return Result(env, kr, {Napi::Number::New(env, ns)}); };
  if (iterations == 0 || iterations > kMaxIterations || bytes > kMaxBodyBytes || bytes % 4 != 0) {
    return result(KERN_INVALID_ARGUMENT, 0);
  }

  mach_timebase_info_data_t timebase = {0, 0};
  kern_return_t kr = mach_timebase_info(&timebase);
  if (kr != KERN_SUCCESS) return result(kr, 0);
  if (timebase.denom == 0) return result(KERN_FAILURE, 0);

  const mach_port_t task = mach_task_self();
  mach_port_name_t port = MACH_PORT_NULL;
  kr = mach_port_allocate(task, MACH_PORT_RIGHT_RECEIVE, &port);
  if (kr != KERN_SUCCESS) return result(kr, 0);
  kr = mach_port_insert_right(task, port, port, MACH_MSG_TYPE_MAKE_SEND);
  uint64_t ticks = 0;
  if (kr == KERN_SUCCESS) {
    try {
      kr = RoundTrips(port, iterations, bytes, &ticks);
    } catch (const std::bad_alloc &) {
      kr = KERN_RESOURCE_SHORTAGE;  // the two buffers could not be allocated
    }
  }
  // Runs on every path once the port exists; the first failure is the one reported.
  const kern_return_t down = TearDown(task, port);
  if (kr == KERN_SUCCESS) kr = down;
  if (kr != KERN_SUCCESS) return result(kr, 0);
  const double ns = static_cast<double>(ticks) * timebase.numer / timebase.denom;
  return result(KERN_SUCCESS, ns / iterations);
}

}  // namespace

void RegisterBench(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "bench_mach_msg_round_trip", BenchMachMsgRoundTrip);
}

}  // namespace machport
