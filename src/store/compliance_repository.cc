// ComplianceRepository over the SQL context: opt-outs, their events, auto-reply rules.
#include "store/compliance_repository.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/ids.h"
#include "store/sql_context.h"
#include "store/sql_repositories.h"
#include "store/sql_rows.h"

namespace sb::store {
namespace {

constexpr std::string_view kOptOutSelect =
    "SELECT id, account_id, number, scope, our_number, source, created_at FROM opt_outs";
constexpr std::string_view kAutoReplySelect =
    "SELECT id, account_id, our_number, match_type, pattern, reply_body, media_urls, priority, "
    "enabled, created_at, updated_at FROM auto_replies";

OptOut row_to_opt_out(const Row& r) {
  return {r.str(0), r.str(1), r.str(2), r.str(3), r.str(4), r.str(5), r.i64(6)};
}

AutoReply row_to_auto_reply(const Row& r) {
  AutoReply a;
  a.id = r.str(0);
  a.account = r.str(1);
  a.our_number = r.str(2);
  a.match_type = r.str(3);
  a.pattern = r.str(4);
  a.reply_body = r.str(5);
  a.media_urls = nlohmann::json::parse(r.str(6)).get<std::vector<std::string>>();
  a.priority = r.i64(7);
  a.enabled = r.i64(8) != 0;
  a.created_at = r.i64(9);
  a.updated_at = r.i64(10);
  return a;
}

const std::string& find_opt_outs_sql(size_t n) {
  static const ChunkedSql sql([](size_t k) {
    return std::string(kOptOutSelect) + " WHERE number IN " + placeholders(1, k);
  });
  return sql(n);
}

void insert_opt_out_event(Connection& c, const OptOut& o, const std::string& action,
                          const std::string& source, const std::string& message_id, TimeMs at) {
  c.exec(
      "INSERT INTO opt_out_events (account_id, number, scope, our_number, action, source, "
      "message_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      {o.account, o.number, o.scope, o.our_number, action, source, null_if_empty(message_id), at});
}

// Deletes the opt-out `o` with an opt_in event; false when a concurrent removal took it first.
bool remove_with_event(Connection& c, const OptOut& o, const std::string& source,
                       const std::string& message_id, TimeMs at) {
  c.exec("DELETE FROM opt_outs WHERE id = $1", {o.id});
  if (c.changes() != 1) return false;
  insert_opt_out_event(c, o, "opt_in", source, message_id, at);
  return true;
}

}  // namespace

std::vector<OptOut> opt_outs_of(Connection& c, std::vector<std::string> numbers) {
  std::sort(numbers.begin(), numbers.end());
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
  std::vector<OptOut> out;
  for_chunks(numbers.size(), [&](size_t from, size_t n) {
    Params p;
    p.reserve(n);
    for (size_t i = from; i < from + n; ++i) p.emplace_back(numbers[i]);
    for (const auto& row : c.query(find_opt_outs_sql(n), p)) out.push_back(row_to_opt_out(row));
  });
  return out;
}

namespace {

class SqlComplianceRepository final : public ComplianceRepository {
 public:
  explicit SqlComplianceRepository(SqlContext& ctx) : ctx_(ctx) {}

  Result<AddOptOutResult> add_opt_out(const OptOut& o, const std::string& message_id) override {
    return ctx_.write_tx([&](Connection& c) {
      AddOptOutResult out;
      OptOut row = o;
      if (row.id.empty()) row.id = new_id("opt_", row.created_at);
      c.exec(
          "INSERT INTO opt_outs (id, account_id, number, scope, our_number, source, created_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7) "
          "ON CONFLICT (account_id, number, our_number) DO NOTHING",
          {row.id, row.account, row.number, row.scope, row.our_number, row.source, row.created_at});
      if (c.changes() == 1) {
        out.created = true;
        out.opt_out = row;
        insert_opt_out_event(c, row, "opt_out", row.source, message_id, row.created_at);
        return out;
      }
      auto rows = c.query(
          std::string(kOptOutSelect) + " WHERE account_id = $1 AND number = $2 AND our_number = $3",
          {row.account, row.number, row.our_number});
      if (rows.empty()) throw DbError("opt-out conflict without a visible row");
      out.opt_out = row_to_opt_out(rows[0]);
      return out;
    });
  }

  Result<std::vector<OptOut>> remove_opt_outs(const std::string& account, const std::string& number,
                                              const std::optional<std::string>& our_number,
                                              const std::string& source,
                                              const std::string& message_id, TimeMs at) override {
    return ctx_.write_tx([&](Connection& c) {
      std::vector<OptOut> removed;
      std::string sql = std::string(kOptOutSelect) + " WHERE account_id = $1 AND number = $2";
      Params p{account, number};
      if (our_number) {
        sql += " AND (our_number = '' OR our_number = $3)";
        p.emplace_back(*our_number);
      }
      for (const auto& row : c.query(sql + " ORDER BY id", p)) {
        OptOut o = row_to_opt_out(row);
        if (remove_with_event(c, o, source, message_id, at)) removed.push_back(std::move(o));
      }
      return removed;
    });
  }

  Result<bool> remove_opt_out(const std::string& account, const std::string& id,
                              const std::string& source, TimeMs at) override {
    return ctx_.write_tx([&](Connection& c) {
      auto rows =
          c.query(std::string(kOptOutSelect) + " WHERE account_id = $1 AND id = $2", {account, id});
      return !rows.empty() && remove_with_event(c, row_to_opt_out(rows[0]), source, "", at);
    });
  }

  Result<std::vector<OptOut>> find_opt_outs(const std::vector<std::string>& numbers) override {
    if (numbers.empty()) return std::vector<OptOut>{};
    return ctx_.read([&](Connection& c) { return opt_outs_of(c, numbers); });
  }

  Result<std::vector<OptOut>> list_opt_outs(const OptOutFilter& f) override {
    std::string sql = std::string(kOptOutSelect) + " WHERE account_id = $1";
    Params p{f.account};
    if (f.number) add_condition(sql, p, "number =", *f.number);
    if (f.after_id) add_condition(sql, p, "id >", *f.after_id);
    p.emplace_back(int64_t{f.limit});
    sql += " ORDER BY id LIMIT $" + std::to_string(p.size());
    return ctx_.read([&](Connection& c) {
      auto rows = c.query(sql, p);
      std::vector<OptOut> out;
      out.reserve(rows.size());
      for (const auto& r : rows) out.push_back(row_to_opt_out(r));
      return out;
    });
  }

  Result<std::vector<OptOutEvent>> list_opt_out_events(const std::string& account,
                                                       const std::string& number) override {
    return ctx_.read([&](Connection& c) {
      std::vector<OptOutEvent> out;
      for (const auto& r : c.query(
               "SELECT id, account_id, number, scope, our_number, action, source, message_id, at "
               "FROM opt_out_events WHERE account_id = $1 AND number = $2 ORDER BY id",
               {account, number})) {
        out.push_back({r.i64(0), r.str(1), r.str(2), r.str(3), r.str(4), r.str(5), r.str(6),
                       r.str(7), r.i64(8)});
      }
      return out;
    });
  }

  Result<void> insert_auto_reply(const AutoReply& a) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec(
          "INSERT INTO auto_replies (id, account_id, our_number, match_type, pattern, reply_body, "
          "media_urls, priority, enabled, created_at, updated_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
          {a.id, a.account, a.our_number, a.match_type, a.pattern, a.reply_body,
           nlohmann::json(a.media_urls).dump(), a.priority, int64_t{a.enabled}, a.created_at,
           a.updated_at});
    });
  }

  Result<std::optional<AutoReply>> get_auto_reply(const std::string& account,
                                                  const std::string& id) override {
    return ctx_.read([&](Connection& c) -> std::optional<AutoReply> {
      auto rows = c.query(std::string(kAutoReplySelect) + " WHERE account_id = $1 AND id = $2",
                          {account, id});
      if (rows.empty()) return std::nullopt;
      return row_to_auto_reply(rows[0]);
    });
  }

  Result<std::vector<AutoReply>> list_auto_replies(const std::string& account) override {
    return ctx_.read([&](Connection& c) {
      std::vector<AutoReply> out;
      for (const auto& r : c.query(
               std::string(kAutoReplySelect) + " WHERE account_id = $1 ORDER BY priority DESC, id",
               {account})) {
        out.push_back(row_to_auto_reply(r));
      }
      return out;
    });
  }

  Result<bool> update_auto_reply(const AutoReply& a) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec(
          "UPDATE auto_replies SET our_number = $1, match_type = $2, pattern = $3, "
          "reply_body = $4, media_urls = $5, priority = $6, enabled = $7, updated_at = $8 "
          "WHERE account_id = $9 AND id = $10",
          {a.our_number, a.match_type, a.pattern, a.reply_body, nlohmann::json(a.media_urls).dump(),
           a.priority, int64_t{a.enabled}, a.updated_at, a.account, a.id});
      return c.changes() == 1;
    });
  }

  Result<bool> delete_auto_reply(const std::string& account, const std::string& id) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec("DELETE FROM auto_replies WHERE account_id = $1 AND id = $2", {account, id});
      return c.changes() == 1;
    });
  }

 private:
  SqlContext& ctx_;
};

}  // namespace

std::unique_ptr<ComplianceRepository> make_sql_compliance_repository(SqlContext& ctx) {
  return std::make_unique<SqlComplianceRepository>(ctx);
}

}  // namespace sb::store
