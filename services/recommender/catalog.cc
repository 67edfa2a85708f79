// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/recommender/catalog.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace shop::recommender {

absl::StatusOr<std::unique_ptr<Catalog>> Catalog::Load(const std::string& path, int64_t num_items) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read catalog ", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat("error reading catalog ", path));
  absl::StatusOr<std::vector<CatalogItem>> items = ParseCatalogJsonl(text.str(), path);
  if (!items.ok()) return items.status();
  return FromItems(*std::move(items), num_items);
}

absl::StatusOr<std::unique_ptr<Catalog>> Catalog::FromItems(std::vector<CatalogItem> items,
                                                            int64_t num_items) {
  std::unique_ptr<Catalog> catalog(new Catalog());
  catalog->num_items_ = num_items;
  catalog->items_.resize(static_cast<size_t>(num_items) + 1);
  catalog->popularity_ = torch::zeros({num_items + 1}, torch::kFloat32);
  auto pop = catalog->popularity_.accessor<float, 1>();
  for (CatalogItem& item : items) {
    absl::StatusOr<int64_t> index = CatalogIndex(item.item_id, num_items);
    if (!index.ok()) return index.status();
    if (catalog->items_[static_cast<size_t>(*index)]) {
      return absl::InvalidArgumentError(
          absl::StrCat("catalog item \"", item.item_id, "\" is listed twice"));
    }
    pop[*index] = static_cast<float>(item.popularity);
    catalog->index_[item.item_id] = *index;
    catalog->items_[static_cast<size_t>(*index)] = std::move(item);
  }
  return catalog;
}

std::optional<int64_t> Catalog::IndexOf(absl::string_view item_id) const {
  auto it = index_.find(std::string(item_id));
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

const CatalogItem* Catalog::ItemAt(int64_t index) const {
  if (index < 1 || index > num_items_ || !items_[static_cast<size_t>(index)]) return nullptr;
  return &*items_[static_cast<size_t>(index)];
}

torch::Tensor Catalog::EligibleMask(const std::string& country) const {
  absl::MutexLock lock(&mu_);
  auto it = eligible_cache_.find(country);
  if (it != eligible_cache_.end()) return it->second;
  torch::Tensor mask = torch::zeros({num_items_ + 1}, torch::kBool);
  auto m = mask.accessor<bool, 1>();
  for (int64_t i = 1; i <= num_items_; ++i) {
    const auto& item = items_[static_cast<size_t>(i)];
    if (!item || !item->in_stock) continue;
    if (!country.empty() &&
        std::find(item->ship_to.begin(), item->ship_to.end(), country) == item->ship_to.end()) {
      continue;
    }
    m[i] = true;
  }
  // Countries come from validated requests, so the cache holds at most ~250 masks.
  eligible_cache_.emplace(country, mask);
  return mask;
}

torch::Tensor Catalog::CategoryMask(const std::string& category) const {
  absl::MutexLock lock(&mu_);
  auto it = category_cache_.find(category);
  if (it != category_cache_.end()) return it->second;
  torch::Tensor mask = torch::zeros({num_items_ + 1}, torch::kBool);
  auto m = mask.accessor<bool, 1>();
  bool any = false;
  for (int64_t i = 1; i <= num_items_; ++i) {
    const auto& item = items_[static_cast<size_t>(i)];
    if (item && std::find(item->categories.begin(), item->categories.end(), category) !=
                    item->categories.end()) {
      m[i] = true;
      any = true;
    }
  }
  // Only categories that exist are cached: unknown ones are caller-controlled strings.
  if (any) category_cache_.emplace(category, mask);
  return mask;
}

}  // namespace shop::recommender
