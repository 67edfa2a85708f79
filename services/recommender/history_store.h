// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Where shoppers' event histories live. Two implementations: MemoryHistoryStore (embedded
// default, bounded) and RedisHistoryStore (shared by replicas). Both keep at most the last
// `max_events_per_user` events of a user, oldest first.
#ifndef SHOP_SERVICES_RECOMMENDER_HISTORY_STORE_H_
#define SHOP_SERVICES_RECOMMENDER_HISTORY_STORE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace shop::recommender {

enum class EventKind : int { kView = 1, kCart = 2, kPurchase = 3 };

struct HistoryEvent {
  std::string item_id;
  EventKind kind = EventKind::kView;
  int64_t time_ms = 0;  // Unix milliseconds

  bool operator==(const HistoryEvent& o) const {
    return item_id == o.item_id && kind == o.kind && time_ms == o.time_ms;
  }
  // Compact text form used by the Redis store: "<kind>|<time_ms>|<item_id>".
  std::string Encode() const;
  static absl::StatusOr<HistoryEvent> Decode(absl::string_view text);
};

class HistoryStore {
 public:
  virtual ~HistoryStore() = default;

  // The user's events, oldest first; empty for an unknown user.
  virtual absl::StatusOr<std::vector<HistoryEvent>> Get(const std::string& user_id) = 0;
  // Appends one event (dropping the oldest beyond the per-user bound); returns the
  // history length after the append.
  virtual absl::StatusOr<int64_t> Append(const std::string& user_id, const HistoryEvent& event) = 0;
  // Erases the user; returns how many events were deleted (0 for an unknown user).
  virtual absl::StatusOr<int64_t> Delete(const std::string& user_id) = 0;
  // Users held (exact for the memory store, approximate for Redis); for metrics.
  virtual absl::StatusOr<int64_t> UserCount() = 0;
};

}  // namespace shop::recommender

#endif  // SHOP_SERVICES_RECOMMENDER_HISTORY_STORE_H_
