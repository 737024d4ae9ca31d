// StatusRepository over the SQL context: the event log and the one apply path.
#include "store/status_repository.h"

#include <string>
#include <string_view>

#include "store/sql_context.h"
#include "store/sql_repositories.h"
#include "store/sql_transitions.h"

namespace sb::store {
namespace {

// An orphan report whose message is now known (by its provider reference).
constexpr std::string_view kOrphanHasMessage =
    "EXISTS (SELECT 1 FROM message_states m WHERE m.connector_id = o.connector_id AND "
    "m.provider_message_id = o.provider_message_id)";

class SqlStatusRepository final : public StatusRepository {
 public:
  explicit SqlStatusRepository(SqlContext& ctx) : ctx_(ctx) {}

  Result<std::vector<MessageEvent>> list_events(const std::string& message_id) override {
    return ctx_.read([&](Connection& c) {
      auto rows = c.query(
          "SELECT e.id, e.message_id, e.type, e.status, e.at, e.applied, e.provider_status, "
          "e.error_code, e.error_message, e.detail, w.payload FROM message_events e "
          "LEFT JOIN webhook_events w ON w.id = e.webhook_event_id "
          "WHERE e.message_id = $1 ORDER BY e.id",
          {message_id});
      std::vector<MessageEvent> out;
      out.reserve(rows.size());
      for (const auto& r : rows) {
        MessageEvent e;
        e.id = r.i64(0);
        e.message_id = r.str(1);
        e.type = r.str(2);
        e.status = parse_status(r.str(3)).value_or(Status::kFailed);
        e.at = r.i64(4);
        e.applied = r.i64(5) != 0;
        e.provider_status = r.str(6);
        e.error_code = r.str(7);
        e.error_message = r.str(8);
        e.detail = r.str(9);
        e.raw_payload = r.str(10);
        out.push_back(std::move(e));
      }
      return out;
    });
  }

  Result<std::vector<TransitionResult>> apply(const std::vector<Transition>& ts,
                                              ApplyOptions options) override {
    return ctx_.write_tx(
        [&](Connection& c) { return apply_transitions(c, ctx_.pg(), ts, options); },
        options.durable);
  }

  Result<std::vector<TransitionResult>> match_orphans() override {
    // Look before taking the write lock: the table is almost always empty. Orphans are the
    // outer loop, each looked up in the messages' provider-id index: written as a join, SQLite
    // (no statistics) walked that whole index every tick to probe an empty table.
    auto probe = ctx_.read([&](Connection& c) {
      return c.query("SELECT 1 FROM orphan_statuses o WHERE " + std::string(kOrphanHasMessage) +
                     " LIMIT 1");
    });
    if (!probe) return probe.error();
    if (probe->empty()) return std::vector<TransitionResult>{};
    return ctx_.write_tx([&](Connection& c) {
      std::vector<TransitionResult> out;
      auto rows = c.query(
          "SELECT o.id, o.connector_id, o.provider_message_id, o.status, o.at, "
          "o.provider_status, o.error_code, o.error_message, o.webhook_event_id, o.detail "
          "FROM orphan_statuses o WHERE " +
          std::string(kOrphanHasMessage) + " ORDER BY o.at, o.id LIMIT 500");
      for (const auto& row : rows) {
        c.exec("DELETE FROM orphan_statuses WHERE id = $1", {row.i64(0)});
        if (c.changes() != 1) continue;  // another instance matched it
        Transition t;
        t.by_provider = ProviderRef{row.str(1), row.str(2)};
        t.to = parse_status(row.str(3)).value_or(Status::kSending);
        t.at = row.i64(4);
        t.provider_status = row.str(5);
        t.error_code = row.str(6);
        t.error_message = row.str(7);
        t.webhook_event_id = row.i64(8);
        t.detail = row.str(9);
        auto res = std::move(apply_transitions(c, ctx_.pg(), {t}, {}).front());
        if (res.found && t.webhook_event_id != 0) {
          c.exec("UPDATE webhook_events SET message_id = $1 WHERE id = $2",
                 {res.message_id, t.webhook_event_id});
        }
        out.push_back(std::move(res));
      }
      return out;
    });
  }

  Result<int64_t> prune_orphans(TimeMs before) override {
    return ctx_.write_tx(
        [&](Connection& c) {
          c.exec("DELETE FROM orphan_statuses WHERE created_at < $1", {before});
          return c.changes();
        },
        /*durable=*/false);
  }

 private:
  SqlContext& ctx_;
};

}  // namespace

std::unique_ptr<StatusRepository> make_sql_status_repository(SqlContext& ctx) {
  return std::make_unique<SqlStatusRepository>(ctx);
}

}  // namespace sb::store
