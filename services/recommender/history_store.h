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
  // The caller's idempotency key (RecordEventRequest.event_id); empty = none.
  std::string event_id;

  bool operator==(const HistoryEvent& o) const {
    return item_id == o.item_id && kind == o.kind && time_ms == o.time_ms && event_id == o.event_id;
  }
  // Compact text form used by the Redis store: "<kind>|<time_ms>|<item_id>", or with an
  // event id "<kind>e|<time_ms>|<event_id>|<item_id>". The item id may hold anything, the
  // event id anything but '|' (the service allows only [A-Za-z0-9._:-] in both).
  std::string Encode() const;
  static absl::StatusOr<HistoryEvent> Decode(absl::string_view text);
};

struct AppendResult {
  int64_t length = 0;      // events in the user's history after the call
  bool duplicate = false;  // the event's id was already stored: nothing was changed
};

class HistoryStore {
 public:
  virtual ~HistoryStore() = default;

  // The user's events, oldest first (by time_ms; equal times in arrival order); empty for
  // an unknown user.
  virtual absl::StatusOr<std::vector<HistoryEvent>> Get(const std::string& user_id) = 0;
  // Inserts one event at its place in time order (dropping the oldest beyond the per-user
  // bound), at most once per event id: an event whose non-empty `event_id` is already in
  // the user's stored history is not stored again (duplicate = true). That makes a retry
  // of an append whose outcome the caller never learnt safe. The check and the insert are
  // atomic, so concurrent retries on several replicas store the event once.
  virtual absl::StatusOr<AppendResult> Record(const std::string& user_id,
                                              const HistoryEvent& event) = 0;
  // Record() for callers that only want the length.
  absl::StatusOr<int64_t> Append(const std::string& user_id, const HistoryEvent& event) {
    absl::StatusOr<AppendResult> r = Record(user_id, event);
    if (!r.ok()) return r.status();
    return r->length;
  }
  // Erases the user; returns how many events were deleted (0 for an unknown user).
  virtual absl::StatusOr<int64_t> Delete(const std::string& user_id) = 0;
  // Users held (exact for the memory store, approximate for Redis); for metrics.
  virtual absl::StatusOr<int64_t> UserCount() = 0;
};

}  // namespace shop::recommender

#endif  // SHOP_SERVICES_RECOMMENDER_HISTORY_STORE_H_
