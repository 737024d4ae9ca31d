// A committed message wakes an idle claiming worker at once, however long the poll interval:
// nothing else waiting in the dispatcher (the reconciliation thread) may take that wake-up.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

#include "core/clock.h"
#include "core/ids.h"
#include "engine/dispatcher.h"
#include "engine/outbox.h"
#include "providers/sim/sim_connector.h"

namespace sb::engine {
namespace {

using namespace std::chrono_literals;

TEST(DispatcherWake, EachNewMessageIsClaimedWithoutWaitingForAPoll) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("sb-dispatcher-wake-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  SystemClock clock;
  auto opened = store::open_store("sqlite://" + (dir / "db.sqlite").string(), clock);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  store::Store& st = **opened;
  ASSERT_TRUE(st.migrate().ok());
  ASSERT_TRUE(st.ensure_account("acme", clock.now_ms()).ok());

  providers::SimOptions sim_opt;
  sim_opt.delivery_delay_ms = 60'000;  // reports are not what this test watches
  providers::SimConnector sim(sim_opt, clock);
  DispatcherOptions opt;
  opt.workers = 2;
  opt.poll_interval_ms = 120'000;       // a message found by polling would miss the deadline
  opt.reconcile_interval_ms = 120'000;  // the reconciler sleeps throughout, as in production
  opt.health_check_at_start = false;
  Dispatcher dispatcher(st, {{"sim", &sim}}, clock, opt, "wrk_test");
  Outbox outbox(st, [&dispatcher] { dispatcher.wake(); });
  dispatcher.start();

  for (int i = 0; i < 5; ++i) {
    const TimeMs now = clock.now_ms();
    store::NewMessage nm;
    Message& m = nm.message;
    m.id = new_id("msg_", now);
    m.account = "acme";
    m.direction = Direction::kOutbound;
    m.from = "+12025550100";
    m.to = "+14155550123";
    m.body = "wake " + std::to_string(i);
    m.status = Status::kQueued;
    m.segments = 1;
    m.connector = "sim";
    m.created_at = m.updated_at = m.next_attempt_at = now;
    std::promise<bool> stored;
    outbox.submit(nm, [&](Result<store::InsertResult> r) { stored.set_value(r.ok()); });
    ASSERT_TRUE(stored.get_future().get());
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    Status status = Status::kQueued;
    while (std::chrono::steady_clock::now() < deadline) {
      status = st.get_message("acme", m.id)->status;
      if (status == Status::kSent) break;
      std::this_thread::sleep_for(2ms);  // a bounded wait on the condition, not a fixed delay
    }
    ASSERT_EQ(status, Status::kSent) << "message " << i << " was not claimed within 10 s";
  }
  dispatcher.stop();
  outbox.stop();
  opened->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sb::engine
