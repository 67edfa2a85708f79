// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/recommender/history_store.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace shop::recommender {

std::string HistoryEvent::Encode() const {
  return absl::StrCat(static_cast<int>(kind), "|", time_ms, "|", item_id);
}

absl::StatusOr<HistoryEvent> HistoryEvent::Decode(absl::string_view text) {
  const size_t a = text.find('|');
  const size_t b = a == absl::string_view::npos ? a : text.find('|', a + 1);
  int kind = 0;
  HistoryEvent event;
  if (b == absl::string_view::npos || !absl::SimpleAtoi(text.substr(0, a), &kind) || kind < 1 ||
      kind > 3 || !absl::SimpleAtoi(text.substr(a + 1, b - a - 1), &event.time_ms)) {
    return absl::DataLossError(absl::StrCat("malformed stored event \"", text, "\""));
  }
  event.kind = static_cast<EventKind>(kind);
  event.item_id = std::string(text.substr(b + 1));
  return event;
}

}  // namespace shop::recommender
