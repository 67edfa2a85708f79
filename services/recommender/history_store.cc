// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/recommender/history_store.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace shop::recommender {

std::string HistoryEvent::Encode() const {
  if (event_id.empty()) return absl::StrCat(static_cast<int>(kind), "|", time_ms, "|", item_id);
  return absl::StrCat(static_cast<int>(kind), "e|", time_ms, "|", event_id, "|", item_id);
}

absl::StatusOr<HistoryEvent> HistoryEvent::Decode(absl::string_view text) {
  const size_t a = text.find('|');
  const size_t b = a == absl::string_view::npos ? a : text.find('|', a + 1);
  absl::string_view kind_text = text.substr(0, a);
  const bool has_id = absl::ConsumeSuffix(&kind_text, "e");
  int kind = 0;
  HistoryEvent event;
  const auto malformed = [&] {
    return absl::DataLossError(absl::StrCat("malformed stored event \"", text, "\""));
  };
  if (b == absl::string_view::npos || !absl::SimpleAtoi(kind_text, &kind) || kind < 1 || kind > 3 ||
      !absl::SimpleAtoi(text.substr(a + 1, b - a - 1), &event.time_ms)) {
    return malformed();
  }
  event.kind = static_cast<EventKind>(kind);
  absl::string_view rest = text.substr(b + 1);
  if (has_id) {
    const size_t c = rest.find('|');
    if (c == 0 || c == absl::string_view::npos) return malformed();
    event.event_id = std::string(rest.substr(0, c));
    rest.remove_prefix(c + 1);
  }
  event.item_id = std::string(rest);
  return event;
}

}  // namespace shop::recommender
