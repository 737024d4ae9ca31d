// Reads of the live event log (see event_repository.h).
#include "store/event_repository.h"

#include "store/sql_context.h"
#include "store/sql_repositories.h"

namespace sb::store {
namespace {

const char* table_name(EventTable t) {
  switch (t) {
    case EventTable::kMessages:
      return "message_events";
    case EventTable::kOptOuts:
      return "opt_out_events";
    case EventTable::kBatches:
      return "batch_events";
  }
  return "message_events";
}

class SqlEventRepository final : public EventRepository {
 public:
  explicit SqlEventRepository(SqlContext& ctx) : ctx_(ctx) {}

  Result<std::vector<LoggedEvent>> read(EventTable table, int64_t after, int64_t upto,
                                        const std::string& account, int limit) override {
    return ctx_.read([&](Connection& c) {
      std::string sql;
      switch (table) {
        case EventTable::kMessages:
          sql = "SELECT id, account_id, type, message_id, status, applied, at, error_code, "
                "error_message, detail, '', '' FROM message_events";
          break;
        case EventTable::kOptOuts:
          sql = "SELECT id, account_id, action, number, '', 1, at, '', '', source, scope, "
                "our_number FROM opt_out_events";
          break;
        case EventTable::kBatches:
          sql = "SELECT id, account_id, type, batch_id, '', 1, at, '', '', data, '', '' "
                "FROM batch_events";
          break;
      }
      Params p{after};
      sql += " WHERE id > $1 AND account_id IS NOT NULL";
      if (upto > 0) {
        p.emplace_back(upto);
        sql += " AND id <= $" + std::to_string(p.size());
      }
      if (!account.empty()) {
        p.emplace_back(account);
        sql += " AND account_id = $" + std::to_string(p.size());
      }
      p.emplace_back(int64_t{limit});
      sql += " ORDER BY id LIMIT $" + std::to_string(p.size());
      std::vector<LoggedEvent> out;
      for (const auto& r : c.query(sql, p)) {
        LoggedEvent e;
        e.table = table;
        e.id = r.i64(0);
        e.account = r.str(1);
        e.type = r.str(2);
        e.subject = r.str(3);
        e.status = r.str(4);
        e.applied = r.i64(5) != 0;
        e.at = r.i64(6);
        e.error_code = r.str(7);
        e.error_message = r.str(8);
        e.detail = r.str(9);
        e.scope = r.str(10);
        e.our_number = r.str(11);
        out.push_back(std::move(e));
      }
      return out;
    });
  }

  Result<int64_t> max_id(EventTable table) override {
    return ctx_.read([&](Connection& c) {
      auto rows = c.query(std::string("SELECT COALESCE(MAX(id), 0) FROM ") + table_name(table));
      return rows.empty() ? int64_t{0} : rows[0].i64(0);
    });
  }

 private:
  SqlContext& ctx_;
};

}  // namespace

std::unique_ptr<EventRepository> make_sql_event_repository(SqlContext& ctx) {
  return std::make_unique<SqlEventRepository>(ctx);
}

}  // namespace sb::store
