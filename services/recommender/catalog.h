// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Item metadata the business filters need, loaded from a JSON-lines file (catalog_file.h):
// item id, category ids, stock, ship-to countries, and a popularity count for cold-start
// fallbacks.
//
// Items are addressed by their model index (the row of the item embedding table). The
// catalog turns filters into boolean masks over all indices, cached per country and per
// category, so filtering a full ranking is one elementwise AND.
#ifndef SHOP_SERVICES_RECOMMENDER_CATALOG_H_
#define SHOP_SERVICES_RECOMMENDER_CATALOG_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "services/recommender/catalog_file.h"
#include "torch/types.h"

namespace shop::recommender {

class Catalog {
 public:
  // `num_items`: size of the model's item vocabulary (indices 1..num_items; 0 = padding).
  // Items of the file outside that range, or listed twice, are rejected; vocabulary items
  // missing from the file are treated as unknown (never recommended).
  static absl::StatusOr<std::unique_ptr<Catalog>> Load(const std::string& path, int64_t num_items);
  static absl::StatusOr<std::unique_ptr<Catalog>> FromItems(std::vector<CatalogItem> items,
                                                            int64_t num_items);

  int64_t num_items() const { return num_items_; }
  // Model index of an item id, or nullopt if the id is not a catalog item.
  std::optional<int64_t> IndexOf(absl::string_view item_id) const;
  // The item at a model index (1..num_items); nullptr if absent from the catalog.
  const CatalogItem* ItemAt(int64_t index) const;

  // Masks over indices 0..num_items (bool tensors); index 0 and missing items are false.
  // Eligible = in the catalog, in stock and, when `country` is non-empty, shipping there.
  torch::Tensor EligibleMask(const std::string& country) const ABSL_LOCKS_EXCLUDED(mu_);
  // Items carrying `category`; all false for an unknown category.
  torch::Tensor CategoryMask(const std::string& category) const ABSL_LOCKS_EXCLUDED(mu_);
  // Popularity counts as float [num_items + 1] (for fallback ranking).
  const torch::Tensor& popularity() const { return popularity_; }

 private:
  Catalog() = default;

  int64_t num_items_ = 0;
  std::vector<std::optional<CatalogItem>> items_;  // by index
  std::unordered_map<std::string, int64_t> index_;
  torch::Tensor popularity_;
  // Only the mask caches change after loading; everything above is read-only.
  mutable absl::Mutex mu_;
  mutable std::unordered_map<std::string, torch::Tensor> eligible_cache_ ABSL_GUARDED_BY(mu_);
  mutable std::unordered_map<std::string, torch::Tensor> category_cache_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shop::recommender

#endif  // SHOP_SERVICES_RECOMMENDER_CATALOG_H_
