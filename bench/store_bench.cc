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
// --lifecycle 1 takes every inserted batch through the rest of the delivery path as the
//   dispatcher and a provider's reports do: claimed (batches of --claim, default 64), recorded
//   `sent` with a provider id (relaxed, as the dispatcher does), then the provider's `sent` and
//   `delivered` reports matched by that id (durable, as the status ingest does). It prints the
//   process CPU time per message of each step: a figure other load on the machine hardly moves, for
//   comparing two builds of the store.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
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

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// The delivery path after the insert, for every message of one inserted batch; adds each step's
// process CPU seconds to `cpu` (claim, sent, reports).
bool deliver_batch(store::Store& st, const Clock& clock, int claim, int64_t& seq, double cpu[3]) {
  for (;;) {
    double c0 = cpu_seconds();
    auto claimed = st.messages().claim_due("store_bench", clock.now_ms(), 60'000, claim);
    if (!claimed) {
      std::fprintf(stderr, "store_bench: claim: %s\n", claimed.error().message.c_str());
      return false;
    }
    double c1 = cpu_seconds();
    cpu[0] += c1 - c0;
    if (claimed->empty()) return true;
    std::vector<store::Transition> sent;
    std::vector<store::ProviderStatus> reports;
    for (const Message& m : *claimed) {
      store::Transition t;
      t.message_id = m.id;
      t.to = Status::kSent;
      t.at = clock.now_ms();
      t.expect = Status::kSending;
      t.connector = m.connector;
      t.provider_message_id = "SIM" + std::to_string(++seq);
      t.provider_status = "accepted";
      sent.push_back(std::move(t));
      for (Status s : {Status::kSent, Status::kDelivered}) {
        store::ProviderStatus r;
        r.connector = m.connector;
        r.provider_message_id = *sent.back().provider_message_id;
        r.status = s;
        r.at = clock.now_ms();
        r.provider_status = std::string(to_string(s));
        reports.push_back(std::move(r));
      }
    }
    c0 = cpu_seconds();
    if (auto r = st.status().apply(sent, {.messages = false}); !r) {
      std::fprintf(stderr, "store_bench: sent: %s\n", r.error().message.c_str());
      return false;
    }
    c1 = cpu_seconds();
    cpu[1] += c1 - c0;
    std::vector<store::Transition> ts;
    for (const auto& r : reports) ts.push_back(store::Transition::from_report(r));
    if (auto r = st.status().apply(ts, {.messages = false, .durable = true}); !r) {
      std::fprintf(stderr, "store_bench: reports: %s\n", r.error().message.c_str());
      return false;
    }
    cpu[2] += cpu_seconds() - c1;
  }
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
  int batches = 2000, batch = 20, pool = 10000, claim = 64;
  bool deferred = false, random_order = false, lifecycle = false;
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
    else if (a == "--claim")
      claim = std::atoi(argv[i + 1]);
    else if (a == "--lifecycle")
      lifecycle = std::string(argv[i + 1]) == "1";
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
  if (lifecycle) {  // the warm-up's messages are delivered first, unmeasured
    double ignored[3] = {0, 0, 0};
    int64_t seq0 = 0;
    if (!deliver_batch(st, clock, claim, seq0, ignored)) return 1;
  }
  int64_t provider_seq = 1'000'000'000;
  double insert_cpu = 0, steps_cpu[3] = {0, 0, 0};
  const auto t0 = std::chrono::steady_clock::now();
  for (int k = 0; k < batches; ++k) {
    std::vector<store::NewMessage> b;
    b.reserve(batch);
    for (int i = 0; i < batch; ++i, ++n) {
      b.push_back(
          make_message(n, random_order ? static_cast<int64_t>(rng()) : n, pool, clock.now_ms()));
    }
    const auto t = std::chrono::steady_clock::now();
    const double c0 = cpu_seconds();
    if (auto r =
            st.messages().insert(b, deferred ? store::Commit::kDeferred : store::Commit::kDurable);
        !r) {
      std::fprintf(stderr, "store_bench: %s\n", r.error().message.c_str());
      return 1;
    }
    insert_cpu += cpu_seconds() - c0;
    lat.push_back(seconds_since(t) * 1e6);
    if (lifecycle && !deliver_batch(st, clock, claim, provider_seq, steps_cpu)) return 1;
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
      "insert_messages: %d batches of %d (pool %d, %s, %s commits): %.0f msg/s, %.1f us/msg, "
      "commit p50 %.0f us "
      "p99 %.0f us\n",
      batches, batch, pool, random_order ? "random recipients" : "rotating recipients",
      deferred ? "deferred" : "durable", msgs / elapsed, elapsed / msgs * 1e6, lat[lat.size() / 2],
      lat[lat.size() * 99 / 100]);
  if (lifecycle) {
    const double per = 1e6 / msgs;
    std::printf(
        "lifecycle CPU per message: insert %.1f us, claim %.1f us, sent %.1f us, reports %.1f us; "
        "all %.1f us\n",
        insert_cpu * per, steps_cpu[0] * per, steps_cpu[1] * per, steps_cpu[2] * per,
        (insert_cpu + steps_cpu[0] + steps_cpu[1] + steps_cpu[2]) * per);
  }
  if (base_elapsed) {
    std::printf("baseline (bare rows, same commits): %.0f rows/s, %.1f us/row\n",
                msgs / *base_elapsed, *base_elapsed / msgs * 1e6);
    std::printf("insert_messages / baseline time: %.2f\n", elapsed / *base_elapsed);
  }
  opened->reset();
  if (!dir.empty()) std::filesystem::remove_all(dir);
  return 0;
}
