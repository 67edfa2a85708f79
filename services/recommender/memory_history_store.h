// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The embedded history store: per user the last `max_events_per_user` events, and over
// users an LRU bounded both in count and in approximate bytes, so a flood of new user ids
// evicts the least recently used histories instead of growing without bound.
#ifndef SHOP_SERVICES_RECOMMENDER_MEMORY_HISTORY_STORE_H_
#define SHOP_SERVICES_RECOMMENDER_MEMORY_HISTORY_STORE_H_

#include <deque>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/container/lru_map.h"
#include "services/recommender/history_store.h"

namespace shop::recommender {

struct MemoryHistoryStoreOptions {
  int max_events_per_user = 200;
  int64_t max_users = 1'000'000;
  int64_t max_bytes = 512LL << 20;
};

class MemoryHistoryStore : public HistoryStore {
 public:
  // max_events_per_user below 1 is treated as 1.
  explicit MemoryHistoryStore(MemoryHistoryStoreOptions options) : options_(Sanitize(options)) {}

  absl::StatusOr<std::vector<HistoryEvent>> Get(const std::string& user_id) override
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<AppendResult> Record(const std::string& user_id,
                                      const HistoryEvent& event) override ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<int64_t> Delete(const std::string& user_id) override ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<int64_t> UserCount() override ABSL_LOCKS_EXCLUDED(mu_);

  int64_t bytes() const ABSL_LOCKS_EXCLUDED(mu_);
  int64_t evictions() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Entry {
    std::deque<HistoryEvent> events;
    int64_t bytes = 0;
  };

  static int64_t EventBytes(const HistoryEvent& e);
  static MemoryHistoryStoreOptions Sanitize(MemoryHistoryStoreOptions o) {
    if (o.max_events_per_user < 1) o.max_events_per_user = 1;
    return o;
  }
  void EvictIfNeeded() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const MemoryHistoryStoreOptions options_;
  mutable absl::Mutex mu_;
  LruMap<Entry> users_ ABSL_GUARDED_BY(mu_);  // least recently used last
  int64_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t evictions_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace shop::recommender

#endif  // SHOP_SERVICES_RECOMMENDER_MEMORY_HISTORY_STORE_H_
