// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/inference/dynamic_batcher.h"

#include <atomic>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "tests/catch.h"

namespace shop {
namespace {

using IntBatcher = DynamicBatcher<int, int>;

// A batch function that doubles its inputs and records the size of every batch.
struct Recorder {
  std::mutex mu;
  std::vector<size_t> batch_sizes;
  std::vector<int> seen;

  IntBatcher::BatchFn Fn() {
    return [this](std::vector<int>& inputs) {
      std::vector<absl::StatusOr<int>> out;
      {
        std::lock_guard<std::mutex> lock(mu);
        batch_sizes.push_back(inputs.size());
        seen.insert(seen.end(), inputs.begin(), inputs.end());
      }
      for (int x : inputs) out.push_back(2 * x);
      return out;
    };
  }
};

// A batch function that blocks until released, to pile requests up in the queue.
struct Gate {
  absl::Notification entered;
  absl::Notification release;
  std::atomic<int> calls{0};
  IntBatcher::BatchFn Fn() {
    return [this](std::vector<int>& inputs) {
      if (calls.fetch_add(1) == 0) {
        entered.Notify();
        release.WaitForNotification();
      }
      std::vector<absl::StatusOr<int>> out;
      for (int x : inputs) out.push_back(x);
      return out;
    };
  }
};

std::unique_ptr<IntBatcher> MakeBatcher(BatcherOptions options, IntBatcher::BatchFn fn,
                                        InferenceMetrics* metrics = nullptr) {
  auto b = IntBatcher::Create(std::move(options), std::move(fn), metrics);
  REQUIRE(b.ok());
  return *std::move(b);
}

TEST_CASE("requests that arrive while a batch runs are merged into the next one", "[batcher]") {
  Gate gate;
  Recorder rec;
  BatcherOptions opt;
  opt.max_batch_size = 8;
  opt.max_queue_delay = absl::Seconds(30);
  auto batcher = MakeBatcher(opt, [&](std::vector<int>& in) {
    gate.Fn()(in);
    return rec.Fn()(in);
  });
  auto first = std::async(std::launch::async, [&] { return batcher->Run(100, {}); });
  gate.entered.WaitForNotification();
  std::vector<std::future<absl::StatusOr<int>>> futures;
  for (int i = 0; i < 8; ++i) {
    futures.push_back(std::async(std::launch::async, [&, i] { return batcher->Run(i, {}); }));
  }
  while (batcher->queue_depth() < 8) absl::SleepFor(absl::Milliseconds(1));
  gate.release.Notify();
  const absl::Time released = absl::Now();
  REQUIRE(first.get().ok());
  for (int i = 0; i < 8; ++i) {
    auto r = futures[i].get();
    REQUIRE(r.ok());
    CHECK(*r == 2 * i);
  }
  // One batch for the lone first request (run at once), one for the eight that queued
  // behind it, run as soon as the worker was free, long before the 30 s delay.
  CHECK(absl::Now() - released < absl::Seconds(10));
  CHECK(rec.batch_sizes == std::vector<size_t>{1, 8});
}

TEST_CASE("batches never exceed max_batch_size", "[batcher]") {
  Recorder rec;
  BatcherOptions opt;
  opt.max_batch_size = 4;
  opt.max_queue_delay = absl::Milliseconds(5);
  opt.num_workers = 2;
  auto batcher = MakeBatcher(opt, rec.Fn());
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        auto r = batcher->Run(t * 100 + i, {});
        if (r.ok() && *r == 2 * (t * 100 + i)) ok.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok.load() == 320);
  size_t total = 0;
  bool merged = false;
  for (size_t s : rec.batch_sizes) {
    CHECK(s <= 4);
    merged |= s > 1;
    total += s;
  }
  CHECK(total == 320);
  CHECK(merged);
}

TEST_CASE("a lone request runs at once, however long max_queue_delay is", "[batcher]") {
  Recorder rec;
  BatcherOptions opt;
  opt.max_batch_size = 8;
  opt.max_queue_delay = absl::Seconds(30);
  opt.num_workers = 2;
  auto batcher = MakeBatcher(opt, rec.Fn());
  for (int i = 0; i < 3; ++i) {
    const absl::Time start = absl::Now();
    auto r = batcher->Run(21, {});
    REQUIRE(r.ok());
    CHECK(*r == 42);
    CHECK(absl::Now() - start < absl::Seconds(10));
  }
  CHECK(rec.batch_sizes == std::vector<size_t>{1, 1, 1});
}

TEST_CASE("while another batch runs, a worker waits for its batch to fill until that batch ends",
          "[batcher]") {
  Gate gate;
  Recorder rec;
  BatcherOptions opt;
  opt.max_batch_size = 8;
  opt.max_queue_delay = absl::Seconds(30);
  opt.num_workers = 2;
  auto batcher = MakeBatcher(opt, [&](std::vector<int>& in) {
    gate.Fn()(in);
    return rec.Fn()(in);
  });
  auto first = std::async(std::launch::async, [&] { return batcher->Run(100, {}); });
  gate.entered.WaitForNotification();
  std::atomic<int> done{0};
  for (int i = 0; i < 3; ++i) {
    batcher->Submit(i, {}, [&](absl::StatusOr<int> r) {
      if (r.ok()) done.fetch_add(1);
    });
  }
  // The second worker is free but the first is busy: it lets the batch fill.
  absl::SleepFor(absl::Milliseconds(200));
  CHECK(done.load() == 0);
  CHECK(batcher->queue_depth() == 3);
  gate.release.Notify();
  const absl::Time released = absl::Now();
  REQUIRE(first.get().ok());
  while (done.load() < 3 && absl::Now() - released < absl::Seconds(10)) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  CHECK(done.load() == 3);  // run when the first batch ended, not after 30 s
  std::lock_guard<std::mutex> lock(rec.mu);
  CHECK(rec.batch_sizes == std::vector<size_t>{1, 3});
}

TEST_CASE("max_batch_size 1 runs every request alone without waiting", "[batcher]") {
  Recorder rec;
  BatcherOptions opt;
  opt.max_batch_size = 1;
  opt.max_queue_delay = absl::Seconds(10);
  auto batcher = MakeBatcher(opt, rec.Fn());
  auto r = batcher->Run(1, {});
  REQUIRE(r.ok());
  CHECK(rec.batch_sizes == std::vector<size_t>{1});
}

TEST_CASE("a full queue rejects at once with RESOURCE_EXHAUSTED", "[batcher]") {
  prometheus::Registry registry;
  InferenceMetrics metrics(registry, "gate");
  Gate gate;
  BatcherOptions opt;
  opt.max_batch_size = 1;
  opt.max_queue_size = 2;
  opt.max_queue_delay = absl::ZeroDuration();
  auto batcher = MakeBatcher(opt, gate.Fn(), &metrics);
  // The first request occupies the worker; two more fill the queue.
  auto first = std::async(std::launch::async, [&] { return batcher->Run(0, {}); });
  gate.entered.WaitForNotification();
  auto second = std::async(std::launch::async, [&] { return batcher->Run(1, {}); });
  auto third = std::async(std::launch::async, [&] { return batcher->Run(2, {}); });
  while (batcher->queue_depth() < 2) absl::SleepFor(absl::Milliseconds(1));
  const absl::Time start = absl::Now();
  auto rejected = batcher->Run(3, {});
  CHECK(absl::Now() - start < absl::Seconds(1));
  CHECK(absl::IsResourceExhausted(rejected.status()));
  CHECK(rejected.status().message().find("full") != absl::string_view::npos);
  gate.release.Notify();
  // Everything accepted still completes.
  CHECK(first.get().ok());
  CHECK(second.get().ok());
  CHECK(third.get().ok());
  bool found = false;
  for (const auto& family : registry.Collect()) {
    if (family.name != "shop_inference_requests_total") continue;
    for (const auto& m : family.metric) {
      for (const auto& l : m.label) {
        if (l.value == "rejected") {
          CHECK(m.counter.value == 1);
          found = true;
        }
      }
    }
  }
  CHECK(found);
}

TEST_CASE("a request whose deadline passes while queued never runs", "[batcher]") {
  Gate gate;
  std::vector<int> ran;
  std::mutex mu;
  BatcherOptions opt;
  opt.max_batch_size = 1;
  opt.max_queue_delay = absl::ZeroDuration();
  auto batcher = MakeBatcher(opt, [&](std::vector<int>& in) {
    auto out = gate.Fn()(in);
    std::lock_guard<std::mutex> lock(mu);
    ran.insert(ran.end(), in.begin(), in.end());
    return out;
  });
  auto first = std::async(std::launch::async, [&] { return batcher->Run(0, {}); });
  gate.entered.WaitForNotification();
  RequestContext ctx;
  ctx.deadline = absl::Now() + absl::Milliseconds(50);
  const absl::Time start = absl::Now();
  auto late = batcher->Run(7, ctx);
  CHECK(absl::IsDeadlineExceeded(late.status()));
  CHECK(absl::Now() - start < absl::Seconds(2));  // returned at the deadline, not at release
  gate.release.Notify();
  CHECK(first.get().ok());
  batcher.reset();  // drains
  CHECK(std::find(ran.begin(), ran.end(), 7) == ran.end());
}

TEST_CASE("the worker drops expired requests submitted asynchronously", "[batcher]") {
  Gate gate;
  BatcherOptions opt;
  opt.max_batch_size = 1;
  opt.max_queue_delay = absl::ZeroDuration();
  auto batcher = MakeBatcher(opt, gate.Fn());
  auto first = std::async(std::launch::async, [&] { return batcher->Run(0, {}); });
  gate.entered.WaitForNotification();
  std::promise<absl::Status> done;
  RequestContext ctx;
  ctx.deadline = absl::Now() + absl::Milliseconds(20);
  batcher->Submit(5, ctx, [&](absl::StatusOr<int> r) { done.set_value(r.status()); });
  absl::SleepFor(absl::Milliseconds(50));
  gate.release.Notify();
  CHECK(absl::IsDeadlineExceeded(done.get_future().get()));
  CHECK(gate.calls.load() == 1);
  CHECK(first.get().ok());
}

TEST_CASE("a request whose deadline passes while its batch fills is left out of the forward",
          "[batcher]") {
  std::vector<int> ran;
  std::mutex mu;
  Gate gate;
  BatcherOptions opt;
  opt.max_batch_size = 8;
  opt.max_queue_delay = absl::Milliseconds(300);  // the batch waits to fill...
  opt.num_workers = 2;
  auto batcher = MakeBatcher(opt, [&](std::vector<int>& in) {
    gate.Fn()(in);
    std::lock_guard<std::mutex> lock(mu);
    ran.insert(ran.end(), in.begin(), in.end());
    return std::vector<absl::StatusOr<int>>(in.begin(), in.end());
  });
  // ... because the other worker is busy with a batch that lasts beyond the delay.
  std::promise<absl::Status> occupier;
  batcher->Submit(0, {}, [&](absl::StatusOr<int> r) { occupier.set_value(r.status()); });
  gate.entered.WaitForNotification();
  std::promise<absl::Status> expired, kept;
  RequestContext short_deadline;
  short_deadline.deadline = absl::Now() + absl::Milliseconds(50);
  batcher->Submit(1, short_deadline, [&](absl::StatusOr<int> r) { expired.set_value(r.status()); });
  batcher->Submit(2, {}, [&](absl::StatusOr<int> r) { kept.set_value(r.status()); });
  CHECK(kept.get_future().get().ok());
  CHECK(absl::IsDeadlineExceeded(expired.get_future().get()));
  gate.release.Notify();
  CHECK(occupier.get_future().get().ok());
  std::lock_guard<std::mutex> lock(mu);
  CHECK(ran == std::vector<int>{2, 0});
}

TEST_CASE("a cancelled caller's request is dropped with CANCELLED", "[batcher]") {
  Gate gate;
  BatcherOptions opt;
  opt.max_batch_size = 1;
  opt.max_queue_delay = absl::ZeroDuration();
  auto batcher = MakeBatcher(opt, gate.Fn());
  auto first = std::async(std::launch::async, [&] { return batcher->Run(0, {}); });
  gate.entered.WaitForNotification();
  std::atomic<bool> cancelled{false};
  RequestContext ctx;
  ctx.is_cancelled = [&] { return cancelled.load(); };
  auto pending = std::async(std::launch::async, [&] { return batcher->Run(9, ctx); });
  absl::SleepFor(absl::Milliseconds(30));
  cancelled = true;
  auto r = pending.get();  // returns without waiting for the gate
  CHECK(absl::IsCancelled(r.status()));
  gate.release.Notify();
  CHECK(first.get().ok());
  CHECK(gate.calls.load() == 1);
}

TEST_CASE("destroying the batcher runs everything already queued", "[batcher]") {
  Gate gate;
  BatcherOptions opt;
  opt.max_batch_size = 2;
  opt.max_queue_delay = absl::Seconds(30);
  auto batcher = MakeBatcher(opt, gate.Fn());
  std::atomic<int> done{0};
  auto count = [&](absl::StatusOr<int> r) {
    if (r.ok()) done.fetch_add(1);
  };
  batcher->Submit(0, {}, count);
  gate.entered.WaitForNotification();
  for (int i = 1; i < 6; ++i) batcher->Submit(i, {}, count);  // queued behind the gate
  std::thread releaser([&] {
    absl::SleepFor(absl::Milliseconds(50));
    gate.release.Notify();
  });
  batcher.reset();  // stops accepting, then drains the five queued requests
  releaser.join();
  CHECK(done.load() == 6);
}

TEST_CASE("a throwing batch function fails its requests with INTERNAL", "[batcher]") {
  BatcherOptions opt;
  opt.max_batch_size = 2;
  opt.max_queue_delay = absl::ZeroDuration();
  auto batcher = MakeBatcher(opt, [](std::vector<int>&) -> std::vector<absl::StatusOr<int>> {
    throw std::runtime_error("boom");
  });
  auto r = batcher->Run(1, {});
  CHECK(absl::IsInternal(r.status()));
  CHECK(r.status().message().find("boom") != absl::string_view::npos);
}

TEST_CASE("invalid batcher options are rejected", "[batcher]") {
  BatcherOptions opt;
  opt.max_batch_size = 0;
  CHECK(absl::IsInvalidArgument(IntBatcher::Create(opt, Recorder().Fn()).status()));
}

}  // namespace
}  // namespace shop
