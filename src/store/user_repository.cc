// Console users and sessions (see user_repository.h).
#include "store/user_repository.h"

#include "store/sql_context.h"
#include "store/sql_repositories.h"

namespace sb::store {
namespace {

constexpr std::string_view kUserColumns =
    "u.id, u.account_id, u.email, u.role, u.password_hash, u.disabled, u.created_at, "
    "u.last_sign_in_at";

ConsoleUser row_to_user(const Row& r, size_t at) {
  ConsoleUser u;
  u.id = r.str(at);
  u.account = r.str(at + 1);
  u.email = r.str(at + 2);
  u.role = r.str(at + 3);
  u.password_hash = r.str(at + 4);
  u.disabled = r.i64(at + 5) != 0;
  u.created_at = r.i64(at + 6);
  u.last_sign_in_at = r.is_null(at + 7) ? 0 : r.i64(at + 7);
  return u;
}

class SqlUserRepository final : public UserRepository {
 public:
  explicit SqlUserRepository(SqlContext& ctx) : ctx_(ctx) {}

  Result<bool> add_user(const ConsoleUser& u) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec(
          "INSERT INTO users (id, account_id, email, role, password_hash, disabled, created_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (email) DO NOTHING",
          {u.id, u.account, u.email, u.role, u.password_hash, int64_t{u.disabled}, u.created_at});
      return c.changes() == 1;
    });
  }

  Result<std::vector<ConsoleUser>> list_users(const std::string& account) override {
    return ctx_.read([&](Connection& c) {
      std::string sql = "SELECT " + std::string(kUserColumns) + " FROM users u";
      Params p;
      if (!account.empty()) {
        sql += " WHERE u.account_id = $1";
        p.emplace_back(account);
      }
      std::vector<ConsoleUser> out;
      for (const auto& r : c.query(sql + " ORDER BY u.email", p)) out.push_back(row_to_user(r, 0));
      return out;
    });
  }

  Result<std::optional<ConsoleUser>> find_user_by_email(const std::string& email) override {
    return ctx_.read([&](Connection& c) -> std::optional<ConsoleUser> {
      auto rows = c.query("SELECT " + std::string(kUserColumns) + " FROM users u WHERE u.email = $1",
                          {email});
      if (rows.empty()) return std::nullopt;
      return row_to_user(rows[0], 0);
    });
  }

  Result<bool> set_user_disabled(const std::string& email, bool disabled) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec("UPDATE users SET disabled = $1 WHERE email = $2", {int64_t{disabled}, email});
      const bool found = c.changes() == 1;
      if (found && disabled) end_sessions(c, email);
      return found;
    });
  }

  Result<bool> set_user_password(const std::string& email, const std::string& hash) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec("UPDATE users SET password_hash = $1 WHERE email = $2", {hash, email});
      const bool found = c.changes() == 1;
      if (found) end_sessions(c, email);
      return found;
    });
  }

  Result<void> note_sign_in(const std::string& user_id, TimeMs at) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec("UPDATE users SET last_sign_in_at = $1 WHERE id = $2", {at, user_id});
    });
  }

  Result<void> add_session(const ConsoleSession& s) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec(
          "INSERT INTO console_sessions (token_hash, user_id, created_at, last_seen_at, "
          "expires_at) VALUES ($1, $2, $3, $4, $5)",
          {s.token_hash, s.user_id, s.created_at, s.last_seen_at, s.expires_at});
    });
  }

  Result<std::optional<std::pair<ConsoleSession, ConsoleUser>>> find_session(
      const std::string& token_hash) override {
    using Found = std::optional<std::pair<ConsoleSession, ConsoleUser>>;
    return ctx_.read([&](Connection& c) -> Found {
      auto rows = c.query(
          "SELECT s.token_hash, s.user_id, s.created_at, s.last_seen_at, s.expires_at, " +
              std::string(kUserColumns) +
              " FROM console_sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
          {token_hash});
      if (rows.empty()) return std::nullopt;
      const Row& r = rows[0];
      ConsoleSession s{r.str(0), r.str(1), r.i64(2), r.i64(3), r.i64(4)};
      return std::make_pair(std::move(s), row_to_user(r, 5));
    });
  }

  Result<void> touch_session(const std::string& token_hash, TimeMs at) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec("UPDATE console_sessions SET last_seen_at = $1 WHERE token_hash = $2",
             {at, token_hash});
    }, /*durable=*/false);
  }

  Result<void> delete_session(const std::string& token_hash) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec("DELETE FROM console_sessions WHERE token_hash = $1", {token_hash});
    });
  }

  Result<int64_t> prune_sessions(TimeMs now, TimeMs idle_before) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec("DELETE FROM console_sessions WHERE expires_at <= $1 OR last_seen_at < $2",
             {now, idle_before});
      return c.changes();
    }, /*durable=*/false);
  }

 private:
  static void end_sessions(Connection& c, const std::string& email) {
    c.exec(
        "DELETE FROM console_sessions WHERE user_id IN (SELECT id FROM users WHERE email = $1)",
        {email});
  }

  SqlContext& ctx_;
};

}  // namespace

std::unique_ptr<UserRepository> make_sql_user_repository(SqlContext& ctx) {
  return std::make_unique<SqlUserRepository>(ctx);
}

}  // namespace sb::store
