// VerificationRepository over the SQL context.
#include "store/verification_repository.h"

#include <algorithm>

#include "store/sql_context.h"
#include "store/sql_repositories.h"

namespace sb::store {
namespace {

class SqlVerificationRepository final : public VerificationRepository {
 public:
  explicit SqlVerificationRepository(SqlContext& ctx) : ctx_(ctx) {}

  Result<VerificationStart> start(const Verification& v, int max_per_window,
                                  TimeMs window_ms) override {
    return ctx_.write_tx([&](Connection& c) {
      VerificationStart out;
      // Serializes starts per account on PostgreSQL so two cannot both pass the count.
      if (ctx_.pg()) c.query("SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE", {v.account});
      auto rows = c.query(
          "SELECT created_at FROM verifications WHERE account_id = $1 AND to_addr = $2 AND "
          "created_at > $3 ORDER BY created_at DESC LIMIT $4",
          {v.account, v.to, v.created_at - window_ms, int64_t{std::max(max_per_window, 1)}});
      if (static_cast<int>(rows.size()) >= max_per_window) {
        out.retry_at = (rows.empty() ? v.created_at : rows.back().i64(0)) + window_ms;
        return out;
      }
      // A new code supersedes the recipient's earlier ones.
      c.exec(
          "UPDATE verifications SET status = 'canceled', updated_at = $1 WHERE account_id = $2 "
          "AND to_addr = $3 AND status = 'pending'",
          {v.created_at, v.account, v.to});
      c.exec(
          "INSERT INTO verifications (id, account_id, to_addr, message_id, salt, code_hash, "
          "status, checks, created_at, expires_at, updated_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
          {v.id, v.account, v.to, null_if_empty(v.message_id), v.salt, v.code_hash, v.status,
           int64_t{v.checks}, v.created_at, v.expires_at, v.updated_at});
      out.created = true;
      return out;
    });
  }

  Result<std::optional<Verification>> find_pending(const std::string& account,
                                                   const std::string& to, TimeMs now) override {
    return ctx_.read([&](Connection& c) -> std::optional<Verification> {
      auto rows = c.query(
          "SELECT id, account_id, to_addr, message_id, salt, code_hash, status, checks, "
          "created_at, expires_at, updated_at FROM verifications WHERE account_id = $1 AND "
          "to_addr = $2 AND status = 'pending' AND expires_at > $3 "
          "ORDER BY created_at DESC, id DESC LIMIT 1",
          {account, to, now});
      if (rows.empty()) return std::nullopt;
      const Row& r = rows[0];
      return Verification{r.str(0), r.str(1), r.str(2), r.str(3), r.str(4), r.str(5), r.str(6),
                          static_cast<int>(r.i64(7)), r.i64(8), r.i64(9), r.i64(10)};
    });
  }

  Result<bool> record_check(const std::string& id, int checks_before,
                            const std::string& new_status, TimeMs now) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec(
          "UPDATE verifications SET checks = checks + 1, status = $1, updated_at = $2 "
          "WHERE id = $3 AND checks = $4 AND status = 'pending'",
          {new_status, now, id, int64_t{checks_before}});
      return c.changes() == 1;
    });
  }

 private:
  SqlContext& ctx_;
};

}  // namespace

std::unique_ptr<VerificationRepository> make_sql_verification_repository(SqlContext& ctx) {
  return std::make_unique<SqlVerificationRepository>(ctx);
}

}  // namespace sb::store
