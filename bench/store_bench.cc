// The outbox's commit path without HTTP: batches of new messages (as the send API builds them:
// two events, a contact and a conversation each) into MessageRepository::insert, durable commits,
// recipients drawn from a pool as in bench/run.sh. Reports messages/s and, measured in the same
// run on the same database file, a baseline: the same number of durable transactions each
// inserting the batch's rows into a bare two-column table. The ratio is what the schema and the
// store's statements cost over SQLite's own floor.
//
// Usage: store_bench [--url URL] [--batches N] [--batch B] [--pool P] [--commit durable|deferred]
//                    [--order rotate|random]
//   URL defaults to a fresh SQLite file in a temp directory. --commit deferred commits as the
//   outbox does but never syncs (the writer's CPU per message, without the disk; no baseline).
//   --order random draws each recipient at random from the pool instead of rotating through it
//   as bench/run.sh does: every message then updates a conversation row on a random page, as
//   traffic to many unrelated recipients would.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "store/db.h"
#include "store/store.h"

using namespace sb;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

store::NewMessage make_message(int64_t n, int64_t slot, int pool, TimeMs now) {
  Message m;
  m.account = "bench";
  m.direction = Direction::kOutbound;
  m.from = "+12025550100";
  char to[32];
  std::snprintf(to, sizeof to, "+1415%07lld", static_cast<long long>(5550000 + slot % pool));
  m.to = to;
  m.body = "bench message " + std::to_string(n) + " from store_bench";
  m.segments = 1;
  m.encoding = Encoding::kGsm7;
  m.connector = "sim";
  m.category = "transactional";
  m.id = new_id("msg_", now);
  m.created_at = m.updated_at = m.next_attempt_at = now;
  m.status = Status::kQueued;
  MessageEvent accepted;
  accepted.status = Status::kAccepted;
  accepted.at = now;
  MessageEvent queued = accepted;
  queued.status = Status::kQueued;
  store::NewMessage nm;
  nm.message = std::move(m);
  nm.events = {accepted, queued};
  return nm;
}

}  // namespace

int main(int argc, char** argv) {
  std::string url;
  int batches = 2000, batch = 20, pool = 10000;
  bool deferred = false, random_order = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--url")
      url = argv[i + 1];
    else if (a == "--batches")
      batches = std::atoi(argv[i + 1]);
    else if (a == "--batch")
      batch = std::atoi(argv[i + 1]);
    else if (a == "--pool")
      pool = std::atoi(argv[i + 1]);
    else if (a == "--commit")
      deferred = std::string(argv[i + 1]) == "deferred";
    else if (a == "--order")
      random_order = std::string(argv[i + 1]) == "random";
  }
  std::filesystem::path dir;
  if (url.empty()) {
    char tmpl[] = "/tmp/store_bench.XXXXXX";
    dir = mkdtemp(tmpl);
    url = "sqlite://" + (dir / "bench.db").string();
  }
  auto& clock = SystemClock::instance();
  auto opened = store::open_store(url, clock);
  if (!opened) {
    std::fprintf(stderr, "store_bench: %s\n", opened.error().message.c_str());
    return 1;
  }
  auto& st = **opened;
  if (auto m = st.migrate(); !m) {
    std::fprintf(stderr, "store_bench: %s\n", m.error().message.c_str());
    return 1;
  }
  (void)st.accounts().ensure_account("bench", clock.now_ms());
  NumberRecord num;
  num.number = "+12025550100";
  num.account = "bench";
  num.connector = "sim";
  (void)st.accounts().sync_numbers({num}, clock.now_ms());

  // Warm-up: every recipient gets its contact and conversation first, as in a long-running
  // gateway (the measured batches update existing conversations).
  int64_t n = 0;
  for (int done = 0; done < pool; done += 500) {
    std::vector<store::NewMessage> b;
    for (int i = 0; i < 500; ++i, ++n) b.push_back(make_message(n, n, pool, clock.now_ms()));
    if (auto r = st.messages().insert(b); !r) {
      std::fprintf(stderr, "store_bench: %s\n", r.error().message.c_str());
      return 1;
    }
  }

  std::vector<double> lat;
  lat.reserve(batches);
  std::mt19937_64 rng(42);
  const auto t0 = std::chrono::steady_clock::now();
  for (int k = 0; k < batches; ++k) {
    std::vector<store::NewMessage> b;
    b.reserve(batch);
    for (int i = 0; i < batch; ++i, ++n) {
      b.push_back(make_message(n, random_order ? static_cast<int64_t>(rng()) : n, pool,
                               clock.now_ms()));
    }
    const auto t = std::chrono::steady_clock::now();
    if (auto r =
            st.messages().insert(b, deferred ? store::Commit::kDeferred : store::Commit::kDurable);
        !r) {
      std::fprintf(stderr, "store_bench: %s\n", r.error().message.c_str());
      return 1;
    }
    lat.push_back(seconds_since(t) * 1e6);
  }
  const double elapsed = seconds_since(t0);
  std::sort(lat.begin(), lat.end());
  const double msgs = static_cast<double>(batches) * batch;

  // Baseline beside it: as many durable transactions, of `batch` small rows each.
  std::optional<double> base_elapsed;
  if (!dir.empty() && !deferred) {
    auto drv = store::make_sqlite_driver((dir / "baseline.db").string());
    auto c = drv->writer();
    c->exec("CREATE TABLE rows (id TEXT PRIMARY KEY, v TEXT NOT NULL)");
    const auto b0 = std::chrono::steady_clock::now();
    for (int k = 0; k < batches; ++k) {
      drv->begin(*c, true);
      for (int i = 0; i < batch; ++i) {
        c->exec("INSERT INTO rows (id, v) VALUES ($1, $2)",
                {new_id("row_", clock.now_ms()), std::string("bench row")});
      }
      c->exec("COMMIT");
    }
    base_elapsed = seconds_since(b0);
  }

  std::printf(
      "insert_messages: %d batches of %d (pool %d, %s, %s commits): %.0f msg/s, %.1f us/msg, commit p50 %.0f us "
      "p99 %.0f us\n",
      batches, batch, pool, random_order ? "random recipients" : "rotating recipients",
      deferred ? "deferred" : "durable", msgs / elapsed, elapsed / msgs * 1e6, lat[lat.size() / 2],
      lat[lat.size() * 99 / 100]);
  if (base_elapsed) {
    std::printf("baseline (bare rows, same commits): %.0f rows/s, %.1f us/row\n",
                msgs / *base_elapsed, *base_elapsed / msgs * 1e6);
    std::printf("insert_messages / baseline time: %.2f\n", elapsed / *base_elapsed);
  }
  opened->reset();
  if (!dir.empty()) std::filesystem::remove_all(dir);
  return 0;
}
