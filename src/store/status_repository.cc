// StatusRepository over the SQL context: the event log and the one apply path.
#include "store/status_repository.h"

#include "store/sql_context.h"
#include "store/sql_repositories.h"
#include "store/sql_transitions.h"

namespace sb::store {
namespace {

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
        [&](Connection& c) { return apply_transitions(c, ctx_.pg(), ts, options.messages); },
        options.durable);
  }

 private:
  SqlContext& ctx_;
};

}  // namespace

std::unique_ptr<StatusRepository> make_sql_status_repository(SqlContext& ctx) {
  return std::make_unique<SqlStatusRepository>(ctx);
}

}  // namespace sb::store
