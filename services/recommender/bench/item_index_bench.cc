// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Benchmark (not a test) of the recommender's item indexes on a synthetic catalog:
// ExactItemIndex (one matrix-vector product + top-k over every item) against
// HnswItemIndex (faiss HNSW, over-fetch + filter + exact fallback).
//
// Catalog: N items (default 1,000,000) of dimension d (64) drawn from a Gaussian mixture
// (2000 clusters) with log-normal per-item norms, so that it looks like learned item
// embeddings (clusters of similar items, popular items with larger norms); row 0 is the
// padding row, never eligible. Queries (default 500) are random items plus noise, like a
// user vector near what the user looked at. Everything is seeded (--seed).
//
// Reports the HNSW build time, then per ef_search value: recall@k against exact and p50/p99
// latency per query with every item eligible, and the same with a random mask keeping
// ~30% of the items (--filter_keep), where HnswItemIndex falls back to an exact scan when
// fewer than k of its k*oversample candidates survive the mask (the fallback rate is
// shown). One query at a time, on --threads threads (default 1: a fair single-thread
// comparison; the HNSW build uses --build_threads). Output is Markdown.
//
//   ninja -C build item_index_bench && build/services/recommender/item_index_bench
//   scripts/bench_item_index.sh --items=200000       # flags pass through
#include <dlfcn.h>
#include <faiss/IndexHNSW.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/recommender/item_index.h"
#include "torch/torch.h"

ABSL_FLAG(int64_t, items, 1'000'000, "Catalog size N (rows 1..N; row 0 is padding).");
ABSL_FLAG(int64_t, dim, 64, "Embedding dimension d.");
ABSL_FLAG(int64_t, clusters, 2000, "Gaussian mixture components of the item embeddings.");
ABSL_FLAG(double, cluster_spread, 0.5,
          "Std-dev of an item around its cluster centre (centres ~ N(0,1)).");
ABSL_FLAG(double, norm_spread, 0.25, "Std-dev of the log of each item's norm multiplier.");
ABSL_FLAG(int64_t, queries, 500, "Queries per scenario.");
ABSL_FLAG(double, query_noise, 0.3, "Std-dev of the noise added to an item to make a query.");
ABSL_FLAG(int, k, 10, "Results per query (recall@k).");
ABSL_FLAG(std::string, ef_search, "32,64,128,256", "Comma-separated HNSW efSearch values.");
ABSL_FLAG(int, m, 16, "HNSW graph degree M (HnswOptions::m).");
ABSL_FLAG(int, ef_construction, 40, "HNSW build beam (HnswOptions::ef_construction).");
ABSL_FLAG(int, oversample, 4, "HnswOptions::oversample: candidates fetched = k * oversample.");
ABSL_FLAG(double, filter_keep, 0.3, "Fraction of items the filtered scenario keeps eligible.");
ABSL_FLAG(int, threads, 1, "Threads for queries (torch, OpenMP/faiss, OpenBLAS).");
ABSL_FLAG(int, build_threads, 0, "OpenMP threads for the HNSW build; 0 = all cores.");
ABSL_FLAG(uint64_t, seed, 1, "Seed of the synthetic catalog, queries and mask.");
ABSL_FLAG(int, warmup, 20, "Untimed warm-up queries before each timed series.");

namespace shop::recommender {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// OpenBLAS (Debian's libblas.so.3 alternative) keeps its own thread pool, which
// torch::set_num_threads does not size; set it too when that BLAS is the one loaded.
std::string SetBlasThreads(int n) {
  using SetFn = void (*)(int);
  auto set = reinterpret_cast<SetFn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (set == nullptr) return "BLAS without openblas_set_num_threads (not resized)";
  set(n);
  using ConfigFn = char* (*)();
  auto config = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
  return absl::StrCat(config != nullptr ? config() : "OpenBLAS", ", threads set to ", n);
}

void SetQueryThreads(int n) {
  torch::set_num_threads(n);
  omp_set_num_threads(n);  // faiss and torch share libgomp here; set it explicitly anyway
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(colon + 2);
    }
  }
  return "unknown";
}

std::string MemoryLine(const char* file, const char* key) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) {
      std::string value = line.substr(std::string(key).size());
      value.erase(0, value.find_first_not_of(" \t"));
      return value;
    }
  }
  return "?";
}

struct Percentiles {
  double p50_ms = 0;
  double p99_ms = 0;
  double mean_ms = 0;
};

Percentiles Summarize(std::vector<double> seconds) {
  Percentiles p;
  if (seconds.empty()) return p;
  std::sort(seconds.begin(), seconds.end());
  auto at = [&](double q) {
    const size_t i = static_cast<size_t>(std::ceil(q * static_cast<double>(seconds.size()))) - 1;
    return 1e3 * seconds[std::min(i, seconds.size() - 1)];
  };
  p.p50_ms = at(0.50);
  p.p99_ms = at(0.99);
  double sum = 0;
  for (double s : seconds) sum += s;
  p.mean_ms = 1e3 * sum / static_cast<double>(seconds.size());
  return p;
}

std::vector<int64_t> Ids(const std::vector<ScoredItem>& items) {
  std::vector<int64_t> ids;
  ids.reserve(items.size());
  for (const ScoredItem& s : items) ids.push_back(s.index);
  return ids;
}

// Fraction of the true top-k found, over all queries.
double Recall(const std::vector<std::vector<int64_t>>& truth,
              const std::vector<std::vector<int64_t>>& found) {
  int64_t hits = 0;
  int64_t total = 0;
  for (size_t q = 0; q < truth.size(); ++q) {
    const std::set<int64_t> t(truth[q].begin(), truth[q].end());
    for (int64_t id : found[q]) hits += static_cast<int64_t>(t.count(id));
    total += static_cast<int64_t>(truth[q].size());
  }
  return total == 0 ? 1.0 : static_cast<double>(hits) / static_cast<double>(total);
}

struct Series {
  std::vector<std::vector<int64_t>> results;
  Percentiles latency;
};

// Runs every query once untimed for `warmup` queries, then timed, one at a time.
Series RunQueries(const ItemIndex& index, const torch::Tensor& queries,
                  const torch::Tensor& eligible, int k, int warmup) {
  const int64_t n = queries.size(0);
  for (int64_t q = 0; q < std::min<int64_t>(warmup, n); ++q) index.Search(queries[q], eligible, k);
  Series s;
  std::vector<double> seconds;
  seconds.reserve(static_cast<size_t>(n));
  s.results.reserve(static_cast<size_t>(n));
  for (int64_t q = 0; q < n; ++q) {
    const torch::Tensor query = queries[q];  // a view: slicing stays outside the timing
    const Clock::time_point start = Clock::now();
    std::vector<ScoredItem> top = index.Search(query, eligible, k);
    seconds.push_back(Seconds(Clock::now() - start));
    s.results.push_back(Ids(top));
  }
  s.latency = Summarize(std::move(seconds));
  return s;
}

// How many queries HnswItemIndex answers with its exact fallback under `eligible`: those
// where fewer than k of the k*oversample graph candidates are eligible (the same test the
// index makes; HNSW search is deterministic for a given efSearch).
int64_t CountFallbacks(const faiss::IndexHNSWFlat& index, const torch::Tensor& queries,
                       const torch::Tensor& eligible, int k, int oversample) {
  const int64_t fetch = std::min<int64_t>(static_cast<int64_t>(k) * oversample, index.ntotal);
  auto ok = eligible.accessor<bool, 1>();
  std::vector<float> distances(static_cast<size_t>(fetch));
  std::vector<faiss::Index::idx_t> labels(static_cast<size_t>(fetch));
  int64_t fallbacks = 0;
  for (int64_t q = 0; q < queries.size(0); ++q) {
    const torch::Tensor query = queries[q].contiguous();
    index.search(1, query.data_ptr<float>(), fetch, distances.data(), labels.data());
    int kept = 0;
    for (faiss::Index::idx_t id : labels) kept += (id > 0 && ok[id]) ? 1 : 0;
    if (kept < k) ++fallbacks;
  }
  return fallbacks;
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  absl::ParseCommandLine(argc, argv);
  const int64_t n = absl::GetFlag(FLAGS_items);
  const int64_t d = absl::GetFlag(FLAGS_dim);
  const int64_t clusters = std::max<int64_t>(1, absl::GetFlag(FLAGS_clusters));
  const int64_t num_queries = absl::GetFlag(FLAGS_queries);
  const int k = absl::GetFlag(FLAGS_k);
  const int threads = std::max(1, absl::GetFlag(FLAGS_threads));
  const int build_threads = absl::GetFlag(FLAGS_build_threads) > 0
                                ? absl::GetFlag(FLAGS_build_threads)
                                : static_cast<int>(std::thread::hardware_concurrency());
  const int warmup = absl::GetFlag(FLAGS_warmup);
  const double keep = absl::GetFlag(FLAGS_filter_keep);
  std::vector<int> ef_values;
  for (absl::string_view part :
       absl::StrSplit(absl::GetFlag(FLAGS_ef_search), ',', absl::SkipEmpty())) {
    int ef = 0;
    if (!absl::SimpleAtoi(part, &ef) || ef < 1) {
      std::fprintf(stderr, "bad --ef_search value \"%s\"\n", std::string(part).c_str());
      return 2;
    }
    ef_values.push_back(ef);
  }
  if (n < 1 || d < 1 || num_queries < 1 || k < 1 || ef_values.empty() || keep <= 0 || keep > 1) {
    std::fprintf(stderr,
                 "need --items, --dim, --queries, --k >= 1, --ef_search non-empty, "
                 "0 < --filter_keep <= 1\n");
    return 2;
  }
  HnswOptions options;
  options.m = absl::GetFlag(FLAGS_m);
  options.ef_construction = absl::GetFlag(FLAGS_ef_construction);
  options.ef_search = ef_values.front();
  options.oversample = absl::GetFlag(FLAGS_oversample);

  SetQueryThreads(threads);
  const std::string blas = SetBlasThreads(threads);
  c10::InferenceMode inference;

  // ---- Synthetic catalog and queries.
  std::fprintf(stderr, "generating %lld x %lld embeddings (%lld clusters)...\n",
               static_cast<long long>(n), static_cast<long long>(d),
               static_cast<long long>(clusters));
  Clock::time_point t0 = Clock::now();
  torch::manual_seed(absl::GetFlag(FLAGS_seed));
  const torch::Tensor centers = torch::randn({clusters, d});
  const torch::Tensor assign = torch::randint(clusters, {n + 1}, torch::kInt64);
  const torch::Tensor scale =
      torch::exp(absl::GetFlag(FLAGS_norm_spread) * torch::randn({n + 1, 1}));
  torch::Tensor embeddings = ((centers.index_select(0, assign) +
                               absl::GetFlag(FLAGS_cluster_spread) * torch::randn({n + 1, d})) *
                              scale / std::sqrt(static_cast<double>(d)))
                                 .contiguous();
  embeddings[0].zero_();  // padding row
  const torch::Tensor near = torch::randint(1, n + 1, {num_queries}, torch::kInt64);
  const torch::Tensor queries =
      (embeddings.index_select(0, near) + absl::GetFlag(FLAGS_query_noise) /
                                              std::sqrt(static_cast<double>(d)) *
                                              torch::randn({num_queries, d}))
          .contiguous();
  torch::Tensor all = torch::ones({n + 1}, torch::kBool);
  all[0] = false;
  torch::Tensor filtered = torch::rand({n + 1}) < keep;
  filtered[0] = false;
  const int64_t filtered_count = filtered.sum().item<int64_t>();
  const double generate_s = Seconds(Clock::now() - t0);

  // ---- Indexes.
  ExactItemIndex exact(embeddings);
  const std::string rss_before = MemoryLine("/proc/self/status", "VmRSS:");
  std::fprintf(stderr, "building HNSW (M=%d, efConstruction=%d) on %d threads...\n", options.m,
               options.ef_construction, build_threads);
  omp_set_num_threads(build_threads);
  t0 = Clock::now();
  absl::StatusOr<std::unique_ptr<HnswItemIndex>> built = HnswItemIndex::Build(embeddings, options);
  const double build_s = Seconds(Clock::now() - t0);
  SetQueryThreads(threads);
  if (!built.ok()) {
    std::fprintf(stderr, "%s\n", built.status().ToString().c_str());
    return 1;
  }
  HnswItemIndex& hnsw = **built;
  const faiss::IndexHNSWFlat& faiss_index = hnsw.faiss_index();
  const std::string rss_after = MemoryLine("/proc/self/status", "VmRSS:");
  std::fprintf(stderr, "built in %.1f s\n", build_s);

  // ---- Exact: ground truth and its latency (all items, then the filtered mask).
  std::fprintf(stderr, "exact search, %lld queries x 2 scenarios...\n",
               static_cast<long long>(num_queries));
  const Series exact_all = RunQueries(exact, queries, all, k, warmup);
  const Series exact_filtered = RunQueries(exact, queries, filtered, k, warmup);

  struct Row {
    int ef;
    double recall_all;
    Percentiles all;
    double recall_filtered;
    Percentiles filtered;
    int64_t fallbacks;
  };
  std::vector<Row> rows;
  for (int ef : ef_values) {
    std::fprintf(stderr, "hnsw efSearch=%d...\n", ef);
    hnsw.set_ef_search(ef);
    const Series a = RunQueries(hnsw, queries, all, k, warmup);
    const Series f = RunQueries(hnsw, queries, filtered, k, warmup);
    rows.push_back({ef, Recall(exact_all.results, a.results), a.latency,
                    Recall(exact_filtered.results, f.results), f.latency,
                    CountFallbacks(faiss_index, queries, filtered, k, options.oversample)});
  }

  // ---- Report.
  std::string command = absl::StrJoin(args, " ");
  std::printf("## Item index benchmark: exact vs HNSW (faiss %d.%d.%d)\n\n", FAISS_VERSION_MAJOR,
              FAISS_VERSION_MINOR, FAISS_VERSION_PATCH);
  std::printf("- Command: `%s`\n", command.c_str());
  std::printf("- Machine: %u hardware threads (nproc %ld), %s, MemTotal %s\n",
              std::thread::hardware_concurrency(), sysconf(_SC_NPROCESSORS_ONLN),
              CpuModel().c_str(), MemoryLine("/proc/meminfo", "MemTotal:").c_str());
  std::printf(
      "- Query threads: %d (torch::set_num_threads, omp_set_num_threads; BLAS: %s); "
      "HNSW build threads: %d\n",
      threads, blas.c_str(), build_threads);
  std::printf(
      "- Catalog: N=%lld items, d=%lld, Gaussian mixture of %lld clusters (spread %.2f, "
      "log-norm spread %.2f), seed %llu; generated in %.1f s\n",
      static_cast<long long>(n), static_cast<long long>(d), static_cast<long long>(clusters),
      absl::GetFlag(FLAGS_cluster_spread), absl::GetFlag(FLAGS_norm_spread),
      static_cast<unsigned long long>(absl::GetFlag(FLAGS_seed)), generate_s);
  std::printf(
      "- Queries: %lld (random item + noise %.2f), k=%d, %d warm-up queries per series, "
      "one query per Search call\n",
      static_cast<long long>(num_queries), absl::GetFlag(FLAGS_query_noise), k, warmup);
  std::printf("- Filtered scenario: random mask keeping %lld of %lld items (%.1f%%)\n",
              static_cast<long long>(filtered_count), static_cast<long long>(n),
              100.0 * static_cast<double>(filtered_count) / static_cast<double>(n));
  std::printf("- ExactItemIndex build: none (scans the embedding table)\n");
  std::printf(
      "- HnswItemIndex build: %.1f s (M=%d, efConstruction=%d, oversample=%d); "
      "VmRSS %s before, %s after\n\n",
      build_s, options.m, options.ef_construction, options.oversample, rss_before.c_str(),
      rss_after.c_str());
  std::printf(
      "| index | efSearch | recall@%d (all eligible) | p50 ms | p99 ms | "
      "recall@%d (%.0f%% eligible) | p50 ms | p99 ms | exact fallbacks |\n",
      k, k, 100 * keep);
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  std::printf("| exact | - | 1.000 | %.3f | %.3f | 1.000 | %.3f | %.3f | - |\n",
              exact_all.latency.p50_ms, exact_all.latency.p99_ms, exact_filtered.latency.p50_ms,
              exact_filtered.latency.p99_ms);
  for (const Row& r : rows) {
    std::printf("| hnsw | %d | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %lld/%lld (%.1f%%) |\n",
                r.ef, r.recall_all, r.all.p50_ms, r.all.p99_ms, r.recall_filtered,
                r.filtered.p50_ms, r.filtered.p99_ms, static_cast<long long>(r.fallbacks),
                static_cast<long long>(num_queries),
                100.0 * static_cast<double>(r.fallbacks) / static_cast<double>(num_queries));
  }
  std::printf(
      "\nLatency is wall time of one ItemIndex::Search call (k=%d). \"exact fallbacks\": "
      "filtered queries where fewer than k of the k*oversample=%d HNSW candidates were "
      "eligible, so HnswItemIndex scanned exactly.\n",
      k, k * options.oversample);
  return 0;
}

}  // namespace
}  // namespace shop::recommender

int main(int argc, char** argv) { return shop::recommender::Main(argc, argv); }
