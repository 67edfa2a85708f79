// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/support-bot/session_store.h"

namespace shop::supportbot {

SessionLocks::Guard SessionLocks::Acquire(const std::string& id) {
  absl::MutexLock lock(&mu_);
  // unordered_map nodes are stable, so `e` survives other sessions' inserts and erases.
  Entry& e = entries_[id];
  const uint64_t ticket = e.next_ticket++;
  while (e.serving != ticket) e.cv.Wait(&mu_);
  return Guard(this, id);
}

void SessionLocks::Release(const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(id);
  Entry& e = it->second;
  ++e.serving;
  if (e.serving == e.next_ticket) {
    entries_.erase(it);  // nobody waiting
  } else {
    e.cv.SignalAll();
  }
}

}  // namespace shop::supportbot
