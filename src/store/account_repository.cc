// AccountRepository over the SQL context: accounts, API keys, numbers, secrets.
#include "store/account_repository.h"

#include <cstdio>

#include "core/crypto.h"
#include "store/sql_context.h"
#include "store/sql_repositories.h"

namespace sb::store {
namespace {

std::string fmt_double(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

Value throughput_value(double t) {
  if (t < 0) return nullptr;
  return fmt_double(t);
}

const std::string& select_numbers_sql() {
  static const std::string s =
      "SELECT number, account_id, connector_id, sms, mms, type, throughput, source, status, "
      "forward_url, forward_method, status_callback, conversations, forward_format, friendly_name "
      "FROM numbers";
  return s;
}

NumberRecord row_to_number(const Row& r) {
  NumberRecord n;
  n.number = r.str(0);
  n.account = r.str(1);
  n.connector = r.str(2);
  n.sms = r.i64(3) != 0;
  n.mms = r.i64(4) != 0;
  n.type = r.str(5);
  n.throughput = r.is_null(6) ? -1 : std::stod(r.str(6));
  n.source = r.str(7);
  n.status = r.str(8);
  if (!r.is_null(9)) n.forward_url = r.str(9);
  if (!r.is_null(10)) n.forward_method = r.str(10);
  if (!r.is_null(11)) n.status_callback = r.str(11);
  n.conversations = r.str(12);
  if (!r.is_null(13)) n.forward_format = r.str(13);  // v18
  if (!r.is_null(14)) n.friendly_name = r.str(14);
  return n;
}

std::vector<NumberRecord> rows_to_numbers(const std::vector<Row>& rows) {
  std::vector<NumberRecord> out;
  for (const auto& r : rows) out.push_back(row_to_number(r));
  return out;
}

const std::string& select_api_keys_sql() {
  static const std::string s =
      "SELECT id, account_id, key_hash, prefix, created_at, name, scopes, expires_at, "
      "last_used_at, revoked_at, rate_limit FROM api_keys";
  return s;
}

ApiKey api_key_from_row(const Row& r) {
  ApiKey k;
  k.id = r.str(0);
  k.account = r.str(1);
  k.key_hash = r.str(2);
  k.prefix = r.str(3);
  k.created_at = r.i64(4);
  k.name = r.str(5);
  k.scopes = scopes_from_text(r.str(6));
  k.expires_at = r.is_null(7) ? 0 : r.i64(7);
  k.last_used_at = r.is_null(8) ? 0 : r.i64(8);
  k.revoked_at = r.is_null(9) ? 0 : r.i64(9);
  k.rate_limit = static_cast<int>(r.i64(10));
  return k;
}

std::string new_signing_secret() {
  return "sbsig_" + crypto::hex(crypto::random_bytes(32));  // 256 random bits
}

class SqlAccountRepository final : public AccountRepository {
 public:
  explicit SqlAccountRepository(SqlContext& ctx) : ctx_(ctx) {}

  Result<void> ensure_account(const std::string& account, TimeMs now) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec("INSERT INTO accounts (id, created_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
             {account, now});
    });
  }

  Result<bool> account_exists(const std::string& account) override {
    return ctx_.read([&](Connection& c) {
      return !c.query("SELECT 1 FROM accounts WHERE id = $1", {account}).empty();
    });
  }

  Result<void> insert_api_key(const ApiKey& k) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec(
          "INSERT INTO api_keys (id, account_id, key_hash, prefix, created_at, name, scopes, "
          "expires_at, rate_limit) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
          {k.id, k.account, k.key_hash, k.prefix, k.created_at, k.name, scopes_to_text(k.scopes),
           k.expires_at ? Value(k.expires_at) : Value(nullptr), int64_t{k.rate_limit}});
    });
  }

  Result<std::optional<ApiKey>> find_api_key(const std::string& key_hash) override {
    return ctx_.read([&](Connection& c) -> std::optional<ApiKey> {
      auto rows = c.query(select_api_keys_sql() + " WHERE key_hash = $1", {key_hash});
      if (rows.empty()) return std::nullopt;
      return api_key_from_row(rows[0]);
    });
  }

  Result<std::vector<ApiKey>> list_api_keys(const std::string& account) override {
    return ctx_.read([&](Connection& c) {
      std::vector<ApiKey> out;
      for (const auto& r : c.query(select_api_keys_sql() +
                                       " WHERE account_id = $1 ORDER BY created_at DESC, id DESC",
                                   {account})) {
        out.push_back(api_key_from_row(r));
      }
      return out;
    });
  }

  Result<std::optional<ApiKey>> revoke_api_key(const std::string& account, const std::string& id,
                                               TimeMs now) override {
    return ctx_.write_tx([&](Connection& c) -> std::optional<ApiKey> {
      c.exec("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) "
             "WHERE id = $2 AND account_id = $3",
             {now, id, account});
      auto rows = c.query(select_api_keys_sql() + " WHERE id = $1 AND account_id = $2",
                          {id, account});
      if (rows.empty()) return std::nullopt;
      return api_key_from_row(rows[0]);
    });
  }

  Result<void> touch_api_key(const std::string& id, TimeMs now) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec("UPDATE api_keys SET last_used_at = $1 WHERE id = $2", {now, id});
    });
  }

  Result<int> count_api_keys(const std::string& account) override {
    return ctx_.read([&](Connection& c) {
      auto rows = c.query(
          "SELECT COUNT(*) FROM api_keys WHERE account_id = $1 AND revoked_at IS NULL", {account});
      return static_cast<int>(rows.at(0).i64(0));
    });
  }

  Result<void> sync_numbers(const std::vector<NumberRecord>& numbers, TimeMs now) override {
    return ctx_.write_tx([&](Connection& c) {
      int64_t pos = 0;
      Params listed;
      for (const auto& n : numbers) {
        c.exec(
            "INSERT INTO numbers (number, account_id, connector_id, sms, mms, type, position, "
            "updated_at, source, status, throughput) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'config', 'active', $9) "
            "ON CONFLICT (number) DO UPDATE SET account_id = excluded.account_id, "
            "connector_id = excluded.connector_id, sms = excluded.sms, mms = excluded.mms, "
            "type = excluded.type, position = excluded.position, updated_at = excluded.updated_at, "
            "source = 'config', status = 'active', throughput = excluded.throughput",
            {n.number, n.account, n.connector, int64_t{n.sms}, int64_t{n.mms}, n.type, pos++, now,
             throughput_value(n.throughput)});
        listed.emplace_back(n.number);
      }
      std::string del = "DELETE FROM numbers WHERE source = 'config'";
      if (!listed.empty()) del += " AND number NOT IN " + placeholders(1, listed.size());
      c.exec(del, listed);
    });
  }

  Result<std::vector<NumberRecord>> list_numbers(const std::string& account) override {
    return ctx_.read([&](Connection& c) {
      return rows_to_numbers(c.query(
          select_numbers_sql() + " WHERE account_id = $1 ORDER BY source, position, number",
          {account}));
    });
  }

  Result<std::vector<NumberRecord>> all_numbers() override {
    return ctx_.read([&](Connection& c) {
      return rows_to_numbers(
          c.query(select_numbers_sql() + " ORDER BY account_id, source, position, number"));
    });
  }

  Result<std::vector<NumberImportResult>> import_numbers(const std::vector<NumberRecord>& numbers,
                                                         TimeMs now) override {
    return ctx_.write_tx([&](Connection& c) {
      std::vector<NumberImportResult> out;
      for (const auto& n : numbers) {
        NumberImportResult res{n.number, false, {}};
        auto rows = c.query("SELECT account_id, source FROM numbers WHERE number = $1", {n.number});
        if (!rows.empty()) {
          res.reason = std::string(rows[0].str(1) == "config"
                                       ? "already a config number of account "
                                       : "already imported into account ")
                           .append(rows[0].str(0));
          out.push_back(std::move(res));
          continue;
        }
        // Imported numbers sort after config ones (list order is source, position, number).
        c.exec(
            "INSERT INTO numbers (number, account_id, connector_id, sms, mms, type, position, "
            "updated_at, source, status, throughput) "
            "VALUES ($1, $2, $3, $4, $5, $6, 0, $7, 'import', 'active', NULL) "
            "ON CONFLICT (number) DO NOTHING",
            {n.number, n.account, n.connector, int64_t{n.sms}, int64_t{n.mms}, n.type, now});
        res.added = c.changes() == 1;
        if (!res.added) res.reason = "added concurrently by another import";
        out.push_back(std::move(res));
      }
      return out;
    });
  }

  Result<std::optional<NumberRecord>> update_number_settings(const std::string& account,
                                                            const std::string& number,
                                                            const NumberSettingsUpdate& u,
                                                            TimeMs now) override {
    return ctx_.write_tx([&](Connection& c) -> std::optional<NumberRecord> {
      // Tenant check inside the statement: another account's number is not touched.
      c.exec(
          "UPDATE numbers SET "
          "forward_url = CASE WHEN $1 = 1 THEN $2 ELSE forward_url END, "
          "forward_method = CASE WHEN $1 = 1 THEN $3 ELSE forward_method END, "
          "status_callback = CASE WHEN $4 = 1 THEN $5 ELSE status_callback END, "
          "conversations = COALESCE($9, conversations), "
          "forward_format = CASE WHEN $1 = 1 THEN $10 ELSE forward_format END, "
          "friendly_name = CASE WHEN $11 = 1 THEN $12 ELSE friendly_name END, "
          "updated_at = $6 WHERE number = $7 AND account_id = $8",
          {int64_t{u.set_forwarding}, opt(u.forward_url),
           u.forward_url ? Value(u.forward_method) : Value(nullptr),
           int64_t{u.set_status_callback}, opt(u.status_callback), now, number, account,
           opt(u.conversations),
           u.forward_url && u.forward_format != "switchboard" ? Value(u.forward_format)
                                                              : Value(nullptr),
           int64_t{u.set_friendly_name}, opt(u.friendly_name)});
      if (c.changes() != 1) return std::nullopt;
      auto rows = c.query(select_numbers_sql() + " WHERE number = $1", {number});
      if (rows.empty()) return std::nullopt;
      return row_to_number(rows[0]);
    });
  }

  Result<SigningSecret> signing_secret(const std::string& account, TimeMs now) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec(
          "INSERT INTO signing_secrets (account_id, secret, created_at) VALUES ($1, $2, $3) "
          "ON CONFLICT (account_id) DO NOTHING",
          {account, new_signing_secret(), now});
      auto rows = c.query(
          "SELECT secret, created_at FROM signing_secrets WHERE account_id = $1", {account});
      if (rows.empty()) throw DbError("signing secret vanished");
      return SigningSecret{account, rows[0].str(0), rows[0].i64(1)};
    });
  }

  Result<SigningSecret> rotate_signing_secret(const std::string& account, TimeMs now) override {
    return ctx_.write_tx([&](Connection& c) {
      SigningSecret out{account, new_signing_secret(), now};
      c.exec(
          "INSERT INTO signing_secrets (account_id, secret, created_at) VALUES ($1, $2, $3) "
          "ON CONFLICT (account_id) DO UPDATE SET secret = excluded.secret, "
          "created_at = excluded.created_at",
          {account, out.secret, now});
      return out;
    });
  }

  Result<std::string> ensure_secret(const std::string& name, const std::string& candidate,
                                    TimeMs now) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec("INSERT INTO gateway_secrets (name, value, created_at) VALUES ($1, $2, $3) "
             "ON CONFLICT (name) DO NOTHING",
             {name, candidate, now});
      auto rows = c.query("SELECT value FROM gateway_secrets WHERE name = $1", {name});
      if (rows.empty()) throw DbError("secret not stored");
      return rows[0].str(0);
    });
  }

  Result<TwilioCredentials> ensure_twilio_credentials(const TwilioCredentials& cand) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec(
          "INSERT INTO twilio_credentials (account_id, account_sid, auth_token, created_at) "
          "VALUES ($1, $2, $3, $4) ON CONFLICT (account_id) DO NOTHING",
          {cand.account, cand.account_sid, cand.auth_token, cand.created_at});
      auto got = twilio_credentials_where(c, "account_id", cand.account);
      if (!got) throw DbError("twilio credentials not stored");
      return *got;
    });
  }

  Result<std::optional<TwilioCredentials>> rotate_twilio_token(const std::string& account,
                                                               const std::string& new_token,
                                                               TimeMs now) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec(
          "UPDATE twilio_credentials SET previous_token = auth_token, auth_token = $2, "
          "rotated_at = $3 WHERE account_id = $1",
          {account, new_token, now});
      return twilio_credentials_where(c, "account_id", account);
    });
  }

  Result<std::optional<TwilioCredentials>> drop_previous_twilio_token(
      const std::string& account) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec("UPDATE twilio_credentials SET previous_token = NULL WHERE account_id = $1",
             {account});
      return twilio_credentials_where(c, "account_id", account);
    });
  }

  Result<std::optional<TwilioCredentials>> twilio_credentials_of(
      const std::string& account) override {
    return ctx_.read(
        [&](Connection& c) { return twilio_credentials_where(c, "account_id", account); });
  }

  Result<std::optional<TwilioCredentials>> find_twilio_credentials(
      const std::string& account_sid) override {
    return ctx_.read(
        [&](Connection& c) { return twilio_credentials_where(c, "account_sid", account_sid); });
  }

  Result<void> add_twilio_api_key(const TwilioApiKey& k) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec(
          "INSERT INTO twilio_api_keys (sid, account_id, secret_hash, friendly_name, created_at) "
          "VALUES ($1, $2, $3, $4, $5)",
          {k.sid, k.account, k.secret_hash, k.friendly_name, k.created_at});
    });
  }

  Result<std::vector<TwilioApiKey>> list_twilio_api_keys(const std::string& account) override {
    return ctx_.read([&](Connection& c) {
      std::vector<TwilioApiKey> out;
      for (const auto& r : c.query(api_keys_sql() + " WHERE k.account_id = $1 ORDER BY k.created_at, k.sid",
                                   {account})) {
        out.push_back(row_to_api_key(r));
      }
      return out;
    });
  }

  Result<bool> delete_twilio_api_key(const std::string& account, const std::string& sid) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec("DELETE FROM twilio_api_keys WHERE sid = $1 AND account_id = $2", {sid, account});
      return c.changes() == 1;
    });
  }

  Result<std::optional<TwilioApiKey>> find_twilio_api_key(const std::string& sid) override {
    return ctx_.read([&](Connection& c) -> std::optional<TwilioApiKey> {
      auto rows = c.query(api_keys_sql() + " WHERE k.sid = $1", {sid});
      if (rows.empty()) return std::nullopt;
      return row_to_api_key(rows[0]);
    });
  }

  Result<SmppCredential> set_smpp_credential(const SmppCredential& cred) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec(
          "INSERT INTO smpp_credentials (system_id, account_id, password_hash, created_at, "
          "rotated_at) VALUES ($1, $2, $3, $4, 0) ON CONFLICT (account_id) DO UPDATE SET "
          "password_hash = excluded.password_hash, rotated_at = $4",
          {cred.system_id, cred.account, cred.password_hash, cred.created_at});
      auto got = smpp_credential_where(c, "account_id", cred.account);
      if (!got) throw DbError("smpp credentials not stored");
      return *got;
    });
  }

  Result<std::optional<SmppCredential>> smpp_credential_of(const std::string& account) override {
    return ctx_.read([&](Connection& c) { return smpp_credential_where(c, "account_id", account); });
  }

  Result<std::optional<SmppCredential>> find_smpp_credential(
      const std::string& system_id) override {
    return ctx_.read([&](Connection& c) { return smpp_credential_where(c, "system_id", system_id); });
  }

  Result<std::string> smpp_cursor(const std::string& system_id) override {
    return ctx_.read([&](Connection& c) {
      auto rows = c.query("SELECT cursor FROM smpp_cursors WHERE system_id = $1", {system_id});
      return rows.empty() ? std::string() : rows[0].str(0);
    });
  }

  Result<void> save_smpp_cursor(const std::string& system_id, const std::string& cursor,
                                TimeMs now) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec(
          "INSERT INTO smpp_cursors (system_id, cursor, updated_at) VALUES ($1, $2, $3) "
          "ON CONFLICT (system_id) DO UPDATE SET cursor = excluded.cursor, "
          "updated_at = excluded.updated_at",
          {system_id, cursor, now});
    });
  }

 private:
  static std::optional<SmppCredential> smpp_credential_where(Connection& c,
                                                             const std::string& column,
                                                             const std::string& value) {
    auto rows = c.query("SELECT system_id, account_id, password_hash, created_at, rotated_at "
                        "FROM smpp_credentials WHERE " + column + " = $1",
                        {value});
    if (rows.empty()) return std::nullopt;
    return SmppCredential{rows[0].str(0), rows[0].str(1), rows[0].str(2), rows[0].i64(3),
                          rows[0].i64(4)};
  }
  static std::string api_keys_sql() {
    return "SELECT k.sid, k.account_id, c.account_sid, k.friendly_name, k.secret_hash, "
           "k.created_at FROM twilio_api_keys k "
           "JOIN twilio_credentials c ON c.account_id = k.account_id";
  }
  static TwilioApiKey row_to_api_key(const Row& r) {
    return {r.str(0), r.str(1), r.str(2), r.str(3), r.str(4), r.i64(5)};
  }

  static std::optional<TwilioCredentials> twilio_credentials_where(Connection& c,
                                                                  const std::string& column,
                                                                  const std::string& value) {
    auto rows = c.query(
        "SELECT account_id, account_sid, auth_token, previous_token, created_at, rotated_at "
        "FROM twilio_credentials WHERE " + column + " = $1",
        {value});
    if (rows.empty()) return std::nullopt;
    const auto& r = rows[0];
    TwilioCredentials out{r.str(0), r.str(1), r.str(2), std::nullopt, r.i64(4), r.i64(5)};
    if (!r.is_null(3)) out.previous_token = r.str(3);
    return out;
  }

  SqlContext& ctx_;
};

}  // namespace

std::unique_ptr<AccountRepository> make_sql_account_repository(SqlContext& ctx) {
  return std::make_unique<SqlAccountRepository>(ctx);
}

}  // namespace sb::store
