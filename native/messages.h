// Message I/O: sends of the bytes the TypeScript codec produced, receives into a buffer
// TypeScript owns, and the out-of-line memory the kernel maps into this task.
#pragma once

#include <napi.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>

namespace machport {

// Blocking sends in flight (on the libuv thread pool), by id, so JS can cancel one.
// Touched only on the JS thread; the flag itself is shared with the worker.
class SendRegistry {
 public:
  uint32_t Add(std::shared_ptr<std::atomic<bool>> cancel) {
    uint32_t id = ++next_;
    pending_[id] = std::move(cancel);
    return id;
  }
  void Remove(uint32_t id) { pending_.erase(id); }
  bool Cancel(uint32_t id) {
    auto it = pending_.find(id);
    if (it == pending_.end()) return false;
    it->second->store(true);
    return true;
  }

 private:
  uint32_t next_ = 0;
  std::map<uint32_t, std::shared_ptr<std::atomic<bool>>> pending_;
};

}  // namespace machport
