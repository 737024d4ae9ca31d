// SqlStore: the Store contract written once against the Driver interface, for SQLite and PostgreSQL.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "core/crypto.h"
#include "core/ids.h"
#include "core/message_json.h"
#include "store/db.h"
#include "store/migrations.h"
#include "store/store.h"

namespace sb::store {
namespace {

constexpr std::string_view kMessageColumns =
    "id, account_id, direction, from_addr, to_addr, body, media_urls, status, segments, encoding, "
    "created_at, updated_at, error_code, error_message, metadata, connector_id, "
    "provider_message_id, status_callback, validity_period_s, attempts, next_attempt_at, "
    "idempotency_key, request_hash, conversation_id, media, "
    // v5: scheduling and quiet hours
    "send_at, category, deferred_until, "
    // v7: provider options
    "max_price, smart_encoding";

// read with every message, never inserted (a new message is unredacted).
constexpr std::string_view kRedactionColumns = "redacted_at, redaction_state, redaction_error";

nlohmann::json media_json(const std::vector<MediaItem>& media) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& m : media) {
    nlohmann::json j = {{"url", m.url}, {"content_type", m.content_type}};
    if (m.size) j["size"] = *m.size;
    // Media re-hosting (v11): the media row's id and the provider's URL it is fetched from.
    if (!m.id.empty()) j["id"] = m.id;
    if (!m.source_url.empty()) j["source_url"] = m.source_url;
    out.push_back(std::move(j));
  }
  return out;
}

std::vector<MediaItem> media_from_json(const std::string& text) {
  std::vector<MediaItem> out;
  if (text.empty()) return out;
  for (const auto& j : nlohmann::json::parse(text)) {
    MediaItem m;
    m.url = j.value("url", "");
    m.content_type = j.value("content_type", "");
    if (j.contains("size") && j["size"].is_number_integer()) m.size = j["size"].get<int64_t>();
    m.id = j.value("id", "");
    m.source_url = j.value("source_url", "");
    out.push_back(std::move(m));
  }
  return out;
}

// Contacts and conversations have ids derived from what makes them unique, so a message row can
// name its conversation before the conversation row is written (one upsert, no read-back).
std::string derived_id(std::string_view prefix, std::initializer_list<std::string_view> parts) {
  std::string key;
  for (auto p : parts) {
    key.append(p);
    key.push_back('\0');
  }
  return std::string(prefix) + crypto::hex(crypto::sha256(key)).substr(0, 26);
}

std::string contact_id_for(const std::string& account, const std::string& number) {
  return derived_id("ct_", {account, number});
}

std::string conversation_id_for(const std::string& account, const std::string& our_number,
                                const std::string& contact_id) {
  return derived_id("conv_", {account, our_number, contact_id});
}

Message row_to_message(const Row& r) {
  Message m;
  m.id = r.str(0);
  m.account = r.str(1);
  m.direction = parse_direction(r.str(2)).value_or(Direction::kOutbound);
  m.from = r.str(3);
  m.to = r.str(4);
  m.body = r.str(5);
  // Most messages have no media and no metadata: skip the JSON parser for the empty forms.
  if (const std::string media = r.str(6); media != "[]") {
    m.media_urls = nlohmann::json::parse(media).get<std::vector<std::string>>();
  }
  m.status = parse_status(r.str(7)).value_or(Status::kFailed);
  m.segments = static_cast<int>(r.i64(8));
  m.encoding = r.str(9) == "UCS-2" ? Encoding::kUcs2 : Encoding::kGsm7;
  m.created_at = r.i64(10);
  m.updated_at = r.i64(11);
  m.error_code = r.str(12);
  m.error_message = r.str(13);
  if (const std::string metadata = r.str(14); metadata != "{}") {
    m.metadata = nlohmann::json::parse(metadata).get<Metadata>();
  }
  m.connector = r.str(15);
  m.provider_message_id = r.str(16);
  m.status_callback = r.str(17);
  m.validity_period_s = r.opt_i64(18);
  m.attempts = static_cast<int>(r.i64(19));
  m.next_attempt_at = r.i64(20);
  m.idempotency_key = r.str(21);
  m.request_hash = r.str(22);
  m.conversation_id = r.str(23);
  m.media = media_from_json(r.str(24));
  // v5: scheduling and quiet hours
  m.send_at = r.opt_i64(25);
  if (std::string category = r.str(26); !category.empty()) m.category = std::move(category);
  m.deferred_until = r.opt_i64(27);
  // v7: provider options
  m.max_price = r.str(28);
  if (auto smart = r.opt_i64(29)) m.smart_encoding = *smart != 0;
  // redaction, when the row was read with kRedactionColumns
  if (r.size() > 32 && !r.is_null(30)) {
    m.redaction = Message::Redaction{r.i64(30), r.str(31), r.str(32)};
  }
  return m;
}

// Thrown inside a transaction to roll it back on purpose (not a database failure).
struct Rollback : DbError {
  Rollback() : DbError("rolled back") {}
};

// The columns a status transition reads and writes: no body, media or metadata (and so no JSON
// parse) unless a status callback's payload needs the whole message.
constexpr std::string_view kStateColumns =
    "id, account_id, status, status_callback, attempts, error_code, error_message, "
    "provider_message_id, connector_id, updated_at, next_attempt_at";

Message row_to_state(const Row& r) {
  Message m;
  m.id = r.str(0);
  m.account = r.str(1);
  m.status = parse_status(r.str(2)).value_or(Status::kFailed);
  m.status_callback = r.str(3);
  m.attempts = static_cast<int>(r.i64(4));
  m.error_code = r.str(5);
  m.error_message = r.str(6);
  m.provider_message_id = r.str(7);
  m.connector = r.str(8);
  m.updated_at = r.i64(9);
  m.next_attempt_at = r.i64(10);
  return m;
}

// Copies the fields a transition changes (the kStateColumns) from `state` onto a full message.
void merge_state(Message& full, const Message& state) {
  full.status = state.status;
  full.attempts = state.attempts;
  full.error_code = state.error_code;
  full.error_message = state.error_message;
  full.provider_message_id = state.provider_message_id;
  full.connector = state.connector;
  full.updated_at = state.updated_at;
  full.next_attempt_at = state.next_attempt_at;
}

// Multi-row statements are built for a few fixed row counts so each SQL text is prepared once.
constexpr size_t kChunkSizes[] = {64, 16, 4, 1};

// "($1, $2, $3), ($4, $5, $6)" for `rows` rows of `cols` placeholders, starting after `first`.
std::string placeholders(size_t rows, size_t cols, size_t first = 0) {
  std::string out;
  size_t n = first;
  for (size_t r = 0; r < rows; ++r) {
    out += r ? ", (" : "(";
    for (size_t c = 0; c < cols; ++c) {
      if (c) out += ", ";
      out += '$';
      out += std::to_string(++n);
    }
    out += ")";
  }
  return out;
}

Error db_error(const std::exception& e) {
  if (dynamic_cast<const Rollback*>(&e)) return Error::make("rolled_back", e.what());
  spdlog::error("store: {}", e.what());
  return Error::make("storage_error", "the database could not complete the operation");
}

class SqlStore final : public Store {
 public:
  SqlStore(std::unique_ptr<Driver> driver, const Clock& clock)
      : db_(std::move(driver)), clock_(clock) {}

  // ---------------------------------------------------------------- migrations
  Result<int> migrate() override {
    try {
      auto c = db_->writer();
      // Under the same lock as the migrations: concurrent CREATE TABLE IF NOT EXISTS on
      // PostgreSQL can fail on the catalog's unique index when instances start together.
      c->exec(db_->begin_write_sql());
      try {
        if (pg()) c->exec("SELECT pg_advisory_xact_lock(7262001)");
        c->exec_script(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
            "name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
        c->exec("COMMIT");
      } catch (...) {
        c->exec("ROLLBACK");
        throw;
      }
      int version = 0;
      for (const auto& m : migrations()) {
        c->exec(db_->begin_write_sql());
        try {
          if (pg()) c->exec("SELECT pg_advisory_xact_lock(7262001)");
          auto rows = c->query("SELECT 1 FROM schema_migrations WHERE version = $1",
                               {int64_t{m.version}});
          if (rows.empty()) {
            std::string sql(m.sql);
            const std::string autoid =
                pg() ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT";
            // Plain replace, not std::regex: GCC 12 -O3 + sanitizers warns inside <regex>.
            static constexpr std::string_view kAutoid = "{{autoid}}";
            for (size_t at = sql.find(kAutoid); at != std::string::npos;
                 at = sql.find(kAutoid, at + autoid.size())) {
              sql.replace(at, kAutoid.size(), autoid);
            }
            c->exec_script(sql);
            c->exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                    {int64_t{m.version}, std::string(m.name), clock_.now_ms()});
            spdlog::info("store: applied migration {} ({})", m.version, m.name);
          }
          c->exec("COMMIT");
        } catch (...) {
          c->exec("ROLLBACK");
          throw;
        }
        version = m.version;
      }
      return version;
    } catch (const std::exception& e) {
      spdlog::error("store: migration failed: {}", e.what());
      return Error::make("migration_failed", e.what());
    }
  }

  int schema_version() override {
    try {
      auto c = db_->reader();
      auto rows = c->query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
      return rows.empty() ? 0 : static_cast<int>(rows[0].i64(0));
    } catch (const std::exception&) {
      return 0;
    }
  }

  Result<void> ping() override {
    try {
      auto c = db_->reader();
      c->query("SELECT 1");
      return Ok();
    } catch (const std::exception& e) {
      return Error::make("database_unavailable", e.what());
    }
  }

  // ---------------------------------------------------------------- accounts
  Result<void> ensure_account(const std::string& account, TimeMs now) override {
    return write_tx([&](Connection& c) {
      c.exec("INSERT INTO accounts (id, created_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
             {account, now});
    });
  }

  bool account_exists(const std::string& account) override {
    return !read([&](Connection& c) {
              return c.query("SELECT 1 FROM accounts WHERE id = $1", {account});
            }).empty();
  }

  Result<void> insert_api_key(const ApiKey& k) override {
    return write_tx([&](Connection& c) {
      c.exec(
          "INSERT INTO api_keys (id, account_id, key_hash, prefix, created_at) "
          "VALUES ($1, $2, $3, $4, $5)",
          {k.id, k.account, k.key_hash, k.prefix, k.created_at});
    });
  }

  std::optional<ApiKey> find_api_key(const std::string& key_hash) override {
    auto rows = read([&](Connection& c) {
      return c.query(
          "SELECT id, account_id, key_hash, prefix, created_at FROM api_keys "
          "WHERE key_hash = $1 AND revoked_at IS NULL",
          {key_hash});
    });
    if (rows.empty()) return std::nullopt;
    return ApiKey{rows[0].str(0), rows[0].str(1), rows[0].str(2), rows[0].str(3), rows[0].i64(4)};
  }

  int count_api_keys(const std::string& account) override {
    auto rows = read([&](Connection& c) {
      return c.query("SELECT COUNT(*) FROM api_keys WHERE account_id = $1 AND revoked_at IS NULL",
                     {account});
    });
    return static_cast<int>(rows[0].i64(0));
  }

  Result<void> sync_numbers(const std::vector<NumberRecord>& numbers, TimeMs now) override {
    return write_tx([&](Connection& c) {
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

  static Value throughput_value(double t) {
    if (t < 0) return nullptr;
    return fmt_double(t);
  }

  static std::string fmt_double(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
  }

  static std::string select_numbers_sql() {
    return "SELECT number, account_id, connector_id, sms, mms, type, throughput, source, status, "
           "forward_url, forward_method, status_callback, conversations FROM numbers";
  }

  static NumberRecord row_to_number(const Row& r) {
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
    return n;
  }

  std::vector<NumberRecord> list_numbers(const std::string& account) override {
    auto rows = read([&](Connection& c) {
      return c.query(select_numbers_sql() +
                         " WHERE account_id = $1 ORDER BY source, position, number",
                     {account});
    });
    std::vector<NumberRecord> out;
    for (const auto& r : rows) out.push_back(row_to_number(r));
    return out;
  }

  std::vector<NumberRecord> all_numbers() override {
    auto rows = read([&](Connection& c) {
      return c.query(select_numbers_sql() + " ORDER BY account_id, source, position, number");
    });
    std::vector<NumberRecord> out;
    for (const auto& r : rows) out.push_back(row_to_number(r));
    return out;
  }

  // --- numbers import (numbers) ---
  Result<std::vector<NumberImportResult>> import_numbers(const std::vector<NumberRecord>& numbers,
                                                         TimeMs now) override {
    std::vector<NumberImportResult> out;
    auto r = write_tx([&](Connection& c) {
      out.clear();  // a retried transaction starts over
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
    });
    if (!r) return r.error();
    return out;
  }

  // ---------------------------------------------------------------- messages
  using Store::insert_messages;
  Result<std::vector<InsertResult>> insert_messages(std::vector<NewMessage>& batch,
                                                    Commit commit) override {
    std::vector<InsertResult> out;
    out.reserve(batch.size());
    auto r = write_tx_as(commit == Commit::kDeferred ? TxSync::kDeferred : TxSync::kDurable,
                         [&](Connection& c) {
      out.clear();
      std::map<std::pair<std::string, std::string>, size_t> seen;  // idempotency keys in batch
      // Rows without an idempotency key cannot conflict: they, their events and their threads
      // are written with multi-row statements after the loop (a handful of statements per batch
      // instead of four per message).
      std::vector<const Message*> bulk;
      std::vector<const Message*> created;
      std::vector<MessageEvent> events;
      const std::set<std::string> joinable = existing_conversations(c, batch);
      for (auto& nm : batch) {
        Message& m = nm.message;
        if (!m.idempotency_key.empty()) {
          const auto key = std::make_pair(m.account, m.idempotency_key);
          std::optional<Message> existing;
          if (auto it = seen.find(key); it != seen.end()) {
            existing = out[it->second].message;
          } else {
            auto rows = c.query(select_messages_sql() +
                                    " WHERE account_id = $1 AND idempotency_key = $2",
                                {m.account, m.idempotency_key});
            if (!rows.empty()) existing = row_to_message(rows[0]);
          }
          if (existing) {
            out.push_back({existing->request_hash == m.request_hash ? InsertKind::kDuplicate
                                                                    : InsertKind::kConflict,
                           *existing});
            continue;
          }
          seen.emplace(key, out.size());
          assign_conversation(m, joinable);
          if (!insert_message_row(c, m)) {
            // Another transaction committed the same idempotency key after the check above
            // (PostgreSQL; SQLite has one writer): answer as if the check had seen it.
            auto rows = c.query(select_messages_sql() +
                                    " WHERE account_id = $1 AND idempotency_key = $2",
                                {m.account, m.idempotency_key});
            if (rows.empty()) throw DbError("idempotency key conflict without a visible row");
            Message existing_row = row_to_message(rows[0]);
            out.push_back({existing_row.request_hash == m.request_hash ? InsertKind::kDuplicate
                                                                       : InsertKind::kConflict,
                           std::move(existing_row)});
            continue;
          }
        } else {
          assign_conversation(m, joinable);
          bulk.push_back(&m);
        }
        for (const auto& e : nm.events) {
          events.push_back(e);
          events.back().message_id = m.id;
        }
        created.push_back(&m);
        out.push_back({InsertKind::kCreated, m});
      }
      for_chunks(bulk.size(), [&](size_t from, size_t n) {
        Params p;
        p.reserve(kMessageParams * n);
        for (size_t i = from; i < from + n; ++i) append_message_params(p, *bulk[i]);
        c.exec(insert_messages_sql(n), p);
      });
      insert_events(c, events);
      thread_messages(c, created);
    });
    if (!r) return r.error();
    return out;
  }

  void sync_deferred() override { db_->sync_deferred(); }

  std::optional<Message> get_message(const std::string& account, const std::string& id) override {
    auto rows = read([&](Connection& c) {
      return c.query(select_messages_sql() + " WHERE id = $1 AND account_id = $2", {id, account});
    });
    if (rows.empty()) return std::nullopt;
    std::vector<Message> one{row_to_message(rows[0])};
    attach_media(one);
    return std::move(one.front());
  }

  std::vector<MessageEvent> list_events(const std::string& message_id) override {
    auto rows = read([&](Connection& c) {
      return c.query(
          "SELECT e.id, e.message_id, e.type, e.status, e.at, e.applied, e.provider_status, "
          "e.error_code, e.error_message, e.detail, w.payload FROM message_events e "
          "LEFT JOIN webhook_events w ON w.id = e.webhook_event_id "
          "WHERE e.message_id = $1 ORDER BY e.id",
          {message_id});
    });
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
  }

  std::vector<Message> list_messages(const MessageFilter& f) override {
    std::string sql = select_messages_sql() + " WHERE account_id = $1";
    Params p{f.account};
    const auto add = [&](std::string_view cond, Value v) {
      p.push_back(std::move(v));
      sql += " AND ";
      sql += cond;
      sql += " $" + std::to_string(p.size());
    };
    if (f.to) add("to_addr =", *f.to);
    if (f.from) add("from_addr =", *f.from);
    if (f.direction) add("direction =", std::string(to_string(*f.direction)));
    if (f.status) add("status =", std::string(to_string(*f.status)));
    if (f.since) add("created_at >=", *f.since);
    if (f.until) add("created_at <", *f.until);
    if (f.before_id) add("id <", *f.before_id);
    if (f.after_id) add("id >", *f.after_id);
    if (f.conversation_id) add("conversation_id =", *f.conversation_id);
    // the exact expression of index messages_our_number, so the index serves it.
    if (f.number) add(kOurNumberExpr, *f.number);
    p.emplace_back(int64_t{f.limit});
    sql += std::string(f.oldest_first ? " ORDER BY id" : " ORDER BY id DESC") + " LIMIT $" +
           std::to_string(p.size());
    auto rows = read([&](Connection& c) { return c.query(sql, p); });
    std::vector<Message> out;
    out.reserve(rows.size());
    for (const auto& r : rows) out.push_back(row_to_message(r));
    attach_media(out);
    return out;
  }

  Result<std::vector<Message>> claim_due(const std::string& owner, TimeMs now, int64_t lease_ms,
                                         int limit) override {
    std::vector<Message> out;
    // Idle workers poll: look before taking the (single, on SQLite) write lock.
    static const std::string probe = "SELECT 1 FROM messages WHERE " +
                                     std::string(kOutboxStatuses) +
                                     " AND next_attempt_at <= $1 LIMIT 1";
    if (!due_exists(probe, now)) {
      return out;
    }
    auto r = write_tx([&](Connection& c) {
      out.clear();
      static const std::string sqlite_sql =
          select_messages_sql() +
          " WHERE " + std::string(kOutboxStatuses) + " AND next_attempt_at <= $1 "
          // id breaks ties in creation order (ids are monotonic): messages due in the same
          // millisecond, e.g. two sends in a row from one number, leave in the order accepted.
          "ORDER BY next_attempt_at, id LIMIT $2";
      static const std::string pg_sql = sqlite_sql + " FOR UPDATE SKIP LOCKED";
      auto rows = c.query(pg() ? pg_sql : sqlite_sql, {now, int64_t{limit}});
      std::vector<MessageEvent> events;
      std::vector<std::string> ids;
      events.reserve(rows.size());
      ids.reserve(rows.size());
      for (const auto& row : rows) {
        Message m = row_to_message(row);
        const bool reclaimed = m.status == Status::kSending;
        const bool scheduled = m.status == Status::kScheduled;
        m.status = Status::kSending;
        m.lease_expired = reclaimed;
        m.attempts += 1;
        m.next_attempt_at = now + lease_ms;
        m.updated_at = now;
        MessageEvent e;
        e.message_id = m.id;
        e.status = Status::kSending;
        e.at = now;
        e.applied = true;
        e.detail = reclaimed   ? "lease expired; attempt " + std::to_string(m.attempts)
                   : scheduled ? "scheduled time reached; attempt " + std::to_string(m.attempts)
                               : "attempt " + std::to_string(m.attempts);
        events.push_back(std::move(e));
        ids.push_back(m.id);
        out.push_back(std::move(m));
      }
      // The rows are locked (PostgreSQL) or the writer is single (SQLite), so attempts + 1 in
      // SQL is the value computed above.
      for_chunks(ids.size(), [&](size_t from, size_t n) {
        Params p{now + lease_ms, owner, now};
        p.reserve(3 + n);
        for (size_t i = from; i < from + n; ++i) p.emplace_back(ids[i]);
        c.exec(claim_update_sql(n), p);
      });
      insert_events(c, events);
    }, /*durable=*/false);
    if (!r) return r.error();
    // A claimed message may have been inserted by a deferred commit that is not on disk yet:
    // it must be before anyone sends it.
    if (!out.empty()) db_->sync_deferred();
    return out;
  }

  Result<std::vector<TransitionResult>> apply(const std::vector<Transition>& ts) override {
    std::vector<TransitionResult> out;
    auto r = write_tx([&](Connection& c) {
      out.assign(ts.size(), {});
      TxWork w;
      for (size_t i : lock_order(ts)) {
        TxEntry* e = load(c, w, ts[i].message_id, /*full=*/true);
        if (!e) continue;
        out[i].found = true;
        out[i].applied = transition(c, w, *e, ts[i]).applied;
        out[i].message = e->m;
      }
      flush(c, w);
    }, /*durable=*/false);
    if (!r) return r.error();
    return out;
  }

  Result<std::vector<TransitionSummary>> apply_summary(
      const std::vector<Transition>& ts) override {
    std::vector<TransitionSummary> out;
    auto r = write_tx([&](Connection& c) {
      out.assign(ts.size(), {});
      TxWork w;
      for (size_t i : lock_order(ts)) {
        TxEntry* e = load(c, w, ts[i].message_id, /*full=*/false);
        if (!e) continue;
        const auto o = transition(c, w, *e, ts[i]);
        out[i] = {true, o.applied, o.callback_queued, e->m.id, e->m.status};
      }
      flush(c, w);
    }, /*durable=*/false);
    if (!r) return r.error();
    return out;
  }

  Result<std::vector<TransitionResult>> apply_provider_status(
      const std::vector<ProviderStatus>& reports) override {
    std::vector<TransitionResult> out;
    auto r = write_tx([&](Connection& c) {
      out.assign(reports.size(), {});
      TxWork w;
      for (size_t i = 0; i < reports.size(); ++i) {
        TxEntry* e = load_by_provider(c, w, reports[i], /*full=*/true);
        if (!e) continue;
        out[i].found = true;
        out[i].applied = transition(c, w, *e, report_transition(e->m.id, reports[i])).applied;
        out[i].message = e->m;
      }
      flush(c, w);
    });
    if (!r) return r.error();
    return out;
  }

  Result<std::vector<TransitionSummary>> apply_provider_status_summary(
      const std::vector<ProviderStatus>& reports) override {
    std::vector<TransitionSummary> out;
    auto r = write_tx([&](Connection& c) {
      out.assign(reports.size(), {});
      TxWork w;
      for (size_t i = 0; i < reports.size(); ++i) {
        TxEntry* e = load_by_provider(c, w, reports[i], /*full=*/false);
        if (!e) continue;
        const auto o = transition(c, w, *e, report_transition(e->m.id, reports[i]));
        out[i] = {true, o.applied, o.callback_queued, e->m.id, e->m.status};
      }
      flush(c, w);
    });
    if (!r) return r.error();
    return out;
  }

  std::vector<Message> list_stale(const std::string& connector, Status status, TimeMs after,
                                  TimeMs before, int limit) override {
    auto rows = read([&](Connection& c) {
      return c.query(select_messages_sql() +
                         " WHERE connector_id = $1 AND status = $2 AND direction = 'outbound' AND "
                         "updated_at >= $3 AND updated_at < $4 ORDER BY updated_at LIMIT $5",
                     {connector, std::string(to_string(status)), after, before, int64_t{limit}});
    });
    std::vector<Message> out;
    for (const auto& r : rows) out.push_back(row_to_message(r));
    return out;
  }

  std::map<std::string, int64_t> count_by_status(const std::string& account) override {
    auto rows = read([&](Connection& c) {
      return c.query("SELECT status, COUNT(*) FROM messages WHERE account_id = $1 GROUP BY status",
                     {account});
    });
    std::map<std::string, int64_t> out;
    for (const auto& r : rows) out[r.str(0)] = r.i64(1);
    return out;
  }

  std::optional<TimeMs> next_due() override {
    auto rows = read([&](Connection& c) {
      static const std::string sql =
          "SELECT MIN(next_attempt_at) FROM messages WHERE " + std::string(kOutboxStatuses);
      return c.query(sql);
    });
    if (rows.empty() || rows[0].is_null(0)) return std::nullopt;
    return rows[0].i64(0);
  }

  // ---------------------------------------------------------------- deliveries
  Result<std::vector<Delivery>> claim_deliveries(TimeMs now, int64_t lease_ms,
                                                 int limit) override {
    return claim_rows<Delivery>(
        "SELECT 1 FROM deliveries WHERE state = 'pending' AND next_attempt_at <= $1 LIMIT 1",
        "SELECT id, account_id, message_id, kind, url, payload, attempts, created_at, method "
        "FROM deliveries WHERE state = 'pending' AND next_attempt_at <= $1 "
        "ORDER BY next_attempt_at, id LIMIT $2",
        now, limit, /*durable=*/false, [&](Connection& c, const Row& row) {
          Delivery d = delivery_head(row);
          d.attempts += 1;
          d.next_attempt_at = now + lease_ms;
          if (!row.is_null(8)) d.method = row.str(8);  // v10; status callbacks are POST
          d.state = "pending";
          c.exec("UPDATE deliveries SET attempts = $1, next_attempt_at = $2, updated_at = $3 "
                 "WHERE id = $4",
                 {int64_t{d.attempts}, d.next_attempt_at, now, d.id});
          return d;
        });
  }

  // A delivery's first eight columns, in the order both readers select them: id, account_id,
  // message_id, kind, url, payload, attempts, created_at.
  static Delivery delivery_head(const Row& r) {
    Delivery d;
    d.id = r.str(0);
    d.account = r.str(1);
    d.message_id = r.str(2);
    d.kind = r.str(3);
    d.url = r.str(4);
    d.payload = r.str(5);
    d.attempts = static_cast<int>(r.i64(6));
    d.created_at = r.i64(7);
    return d;
  }

  Result<void> finish_delivery(const std::string& id, bool done, bool success, int http_status,
                               const std::string& error, TimeMs now,
                               std::optional<TimeMs> retry_at) override {
    return write_tx([&](Connection& c) {
      finish_delivery_row(c, id, done, success, http_status, error, now, retry_at);
    }, /*durable=*/false);
  }

  static void finish_delivery_row(Connection& c, const std::string& id, bool done, bool success,
                                  int http_status, const std::string& error, TimeMs now,
                                  std::optional<TimeMs> retry_at) {
    const std::string state = done ? (success ? "delivered" : "failed") : "pending";
    c.exec(
        "UPDATE deliveries SET state = $1, last_status = $2, last_error = $3, updated_at = $4, "
        "next_attempt_at = COALESCE($5, next_attempt_at) WHERE id = $6",
        {state, http_status ? Value(int64_t{http_status}) : Value(nullptr), null_if_empty(error),
         now, opt(retry_at), id});
  }

  std::vector<Delivery> list_deliveries(const std::string& message_id) override {
    auto rows = read([&](Connection& c) {
      return c.query(
          "SELECT id, account_id, message_id, kind, url, payload, attempts, created_at, "
          "next_attempt_at, method, state, last_status, last_error, updated_at "
          "FROM deliveries WHERE message_id = $1 ORDER BY created_at, id",
          {message_id});
    });
    std::vector<Delivery> out;
    for (const auto& r : rows) {
      Delivery d = delivery_head(r);
      d.next_attempt_at = r.i64(8);
      // v10: method, and the state the delivery log shows
      if (!r.is_null(9)) d.method = r.str(9);
      d.state = r.str(10);
      d.last_status = r.is_null(11) ? 0 : static_cast<int>(r.i64(11));
      d.last_error = r.str(12);
      d.updated_at = r.i64(13);
      out.push_back(std::move(d));
    }
    return out;
  }

  // ---------------------------------------------------------------- webhooks in
  Result<std::vector<WebhookIngestResult>> ingest_webhooks(
      std::vector<WebhookIngest>& batch) override {
    std::vector<WebhookIngestResult> results;
    auto r = write_tx([&](Connection& c) {
      results.clear();
      for (auto& in : batch) results.push_back(ingest_one(c, in));
    });
    if (!r) return r.error();
    return results;
  }

  Result<std::vector<TransitionResult>> match_orphans() override {
    std::vector<TransitionResult> out;
    // Look before taking the write lock: the table is almost always empty.
    auto probe = read([&](Connection& c) {
      return c.query(
          "SELECT 1 FROM orphan_statuses o JOIN messages m ON m.connector_id = o.connector_id "
          "AND m.provider_message_id = o.provider_message_id LIMIT 1");
    });
    if (probe.empty()) return out;
    auto r = write_tx([&](Connection& c) {
      out.clear();
      auto rows = c.query(
          "SELECT o.id, o.connector_id, o.provider_message_id, o.status, o.at, "
          "o.provider_status, o.error_code, o.error_message, o.webhook_event_id "
          "FROM orphan_statuses o JOIN messages m ON m.connector_id = o.connector_id AND "
          "m.provider_message_id = o.provider_message_id ORDER BY o.at, o.id LIMIT 500");
      for (const auto& row : rows) {
        c.exec("DELETE FROM orphan_statuses WHERE id = $1", {row.i64(0)});
        if (c.changes() != 1) continue;  // another instance matched it
        ProviderStatus rep;
        rep.connector = row.str(1);
        rep.provider_message_id = row.str(2);
        rep.status = parse_status(row.str(3)).value_or(Status::kSending);
        rep.at = row.i64(4);
        rep.provider_status = row.str(5);
        rep.error_code = row.str(6);
        rep.error_message = row.str(7);
        auto res = apply_report(c, rep, row.i64(8));
        if (res.found) {
          c.exec("UPDATE webhook_events SET message_id = $1 WHERE id = $2",
                 {res.message.id, row.i64(8)});
        }
        out.push_back(std::move(res));
      }
    });
    if (!r) return r.error();
    return out;
  }

  std::vector<MmsPart> list_mms_parts() override {
    auto rows = read([&](Connection& c) {
      return c.query(
          "SELECT id, connector_id, part_key, text_part, payload, received_at FROM mms_parts "
          "ORDER BY received_at, id");
    });
    std::vector<MmsPart> out;
    for (const auto& r : rows) {
      MmsPart p;
      p.id = r.i64(0);
      p.connector = r.str(1);
      p.key = r.str(2);
      p.text_part = r.i64(3) != 0;
      p.message = part_from_json(nlohmann::json::parse(r.str(4)));
      p.received_at = r.i64(5);
      out.push_back(std::move(p));
    }
    return out;
  }

  Result<bool> complete_mms_group(const std::vector<int64_t>& part_ids,
                                  std::vector<Message>& messages) override {
    bool taken = false;
    auto r = write_tx([&](Connection& c) {
      taken = false;
      for (int64_t id : part_ids) {
        // the parts' raw webhooks belong to the message now (a redaction erases them).
        if (!messages.empty()) {
          c.exec("UPDATE webhook_events SET message_id = $1 WHERE id = "
                 "(SELECT webhook_event_id FROM mms_parts WHERE id = $2)",
                 {messages.front().id, id});
        }
        c.exec("DELETE FROM mms_parts WHERE id = $1", {id});
        if (c.changes() != 1) throw Rollback();  // another instance took the group
      }
      for (auto& m : messages) insert_inbound(c, m, 0);
      taken = true;
    });
    if (!r) {
      if (r.error().code == "rolled_back") return false;
      return r.error();
    }
    return taken;
  }

  Result<int64_t> prune_webhooks(TimeMs before) override {
    int64_t pruned = 0;
    auto r = write_tx([&](Connection& c) {
      c.exec(
          "UPDATE webhook_events SET payload = NULL WHERE received_at < $1 AND payload IS NOT NULL",
          {before});
      pruned = c.changes();
      c.exec("DELETE FROM orphan_statuses WHERE created_at < $1", {before});
    }, /*durable=*/false);
    if (!r) return r.error();
    return pruned;
  }

  int64_t count_unrouted() override {
    auto rows = read([&](Connection& c) { return c.query("SELECT COUNT(*) FROM unrouted_inbound"); });
    return rows.empty() ? 0 : rows[0].i64(0);
  }

  std::vector<Conversation> list_conversations(const ConversationFilter& f) override {
    std::string sql = select_conversations_sql() + " WHERE v.account_id = $1";
    Params p{f.account};
    const auto add = [&](std::string_view cond, Value v) {
      p.push_back(std::move(v));
      sql += " AND ";
      sql += cond;
      sql += " $" + std::to_string(p.size());
    };
    if (f.our_number) add("v.our_number =", *f.our_number);
    if (f.contact_id) add("v.contact_id =", *f.contact_id);
    if (f.unread_only) sql += " AND v.unread_count > 0";
    if (f.before) {
      p.push_back(f.before->first);
      p.push_back(f.before->second);
      const auto a = std::to_string(p.size() - 1), b = std::to_string(p.size());
      sql += " AND (v.last_message_at < $" + a + " OR (v.last_message_at = $" + a +
             " AND v.id < $" + b + "))";
    }
    p.emplace_back(int64_t{f.limit});
    sql += " ORDER BY v.last_message_at DESC, v.id DESC LIMIT $" + std::to_string(p.size());
    auto rows = read([&](Connection& c) { return c.query(sql, p); });
    std::vector<Conversation> out;
    for (const auto& r : rows) out.push_back(row_to_conversation(r));
    return out;
  }

  std::optional<Conversation> get_conversation(const std::string& account,
                                               const std::string& id) override {
    auto rows = read([&](Connection& c) {
      return c.query(select_conversations_sql() + " WHERE v.account_id = $1 AND v.id = $2",
                     {account, id});
    });
    if (rows.empty()) return std::nullopt;
    return row_to_conversation(rows[0]);
  }

  std::optional<Contact> find_contact(const std::string& account,
                                      const std::string& number) override {
    auto rows = read([&](Connection& c) {
      return c.query(
          "SELECT id, account_id, number, name, metadata, created_at, updated_at FROM contacts "
          "WHERE account_id = $1 AND number = $2",
          {account, number});
    });
    if (rows.empty()) return std::nullopt;
    return row_to_contact(rows[0], 0);
  }

  // ---------------------------------------------------------------- verifications (2FA)
  Result<VerificationStart> start_verification(const Verification& v, int max_per_window,
                                               TimeMs window_ms) override {
    VerificationStart out;
    auto r = write_tx([&](Connection& c) {
      out = {};
      // Serializes starts per account on PostgreSQL so two cannot both pass the count.
      if (pg()) c.query("SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE", {v.account});
      auto rows = c.query(
          "SELECT created_at FROM verifications WHERE account_id = $1 AND to_addr = $2 AND "
          "created_at > $3 ORDER BY created_at DESC LIMIT $4",
          {v.account, v.to, v.created_at - window_ms, int64_t{std::max(max_per_window, 1)}});
      if (static_cast<int>(rows.size()) >= max_per_window) {
        out.retry_at = (rows.empty() ? v.created_at : rows.back().i64(0)) + window_ms;
        return;
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
    });
    if (!r) return r.error();
    return out;
  }

  // ---------------------------------------------------------------- compliance (opt-outs, auto-replies)
  Result<AddOptOutResult> add_opt_out(const OptOut& o, const std::string& message_id) override {
    AddOptOutResult out;
    auto r = write_tx([&](Connection& c) {
      out = {};
      OptOut row = o;
      if (row.id.empty()) row.id = new_id("opt_", row.created_at);
      c.exec(
          "INSERT INTO opt_outs (id, account_id, number, scope, our_number, source, created_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7) "
          "ON CONFLICT (account_id, number, our_number) DO NOTHING",
          {row.id, row.account, row.number, row.scope, row.our_number, row.source,
           row.created_at});
      if (c.changes() == 1) {
        out.created = true;
        out.opt_out = row;
        insert_opt_out_event(c, row, "opt_out", row.source, message_id, row.created_at);
        return;
      }
      auto rows = c.query(std::string(kOptOutSelect) +
                              " WHERE account_id = $1 AND number = $2 AND our_number = $3",
                          {row.account, row.number, row.our_number});
      if (rows.empty()) throw DbError("opt-out conflict without a visible row");
      out.opt_out = row_to_opt_out(rows[0]);
    });
    if (!r) return r.error();
    return out;
  }

  std::optional<Verification> find_pending_verification(const std::string& account,
                                                        const std::string& to,
                                                        TimeMs now) override {
    auto rows = read([&](Connection& c) {
      return c.query(
          "SELECT id, account_id, to_addr, message_id, salt, code_hash, status, checks, "
          "created_at, expires_at, updated_at FROM verifications WHERE account_id = $1 AND "
          "to_addr = $2 AND status = 'pending' AND expires_at > $3 "
          "ORDER BY created_at DESC, id DESC LIMIT 1",
          {account, to, now});
    });
    if (rows.empty()) return std::nullopt;
    const Row& r = rows[0];
    return Verification{r.str(0), r.str(1), r.str(2), r.str(3), r.str(4), r.str(5), r.str(6),
                        static_cast<int>(r.i64(7)), r.i64(8), r.i64(9), r.i64(10)};
  }

  Result<bool> record_verification_check(const std::string& id, int checks_before,
                                         const std::string& new_status, TimeMs now) override {
    bool changed = false;
    auto r = write_tx([&](Connection& c) {
      c.exec(
          "UPDATE verifications SET checks = checks + 1, status = $1, updated_at = $2 "
          "WHERE id = $3 AND checks = $4 AND status = 'pending'",
          {new_status, now, id, int64_t{checks_before}});
      changed = c.changes() == 1;
    });
    if (!r) return r.error();
    return changed;
  }

  Result<std::vector<OptOut>> remove_opt_outs(const std::string& account,
                                              const std::string& number,
                                              const std::optional<std::string>& our_number,
                                              const std::string& source,
                                              const std::string& message_id,
                                              TimeMs at) override {
    std::vector<OptOut> removed;
    auto r = write_tx([&](Connection& c) {
      removed.clear();
      std::string sql = std::string(kOptOutSelect) + " WHERE account_id = $1 AND number = $2";
      Params p{account, number};
      if (our_number) {
        sql += " AND (our_number = '' OR our_number = $3)";
        p.emplace_back(*our_number);
      }
      for (const auto& row : c.query(sql + " ORDER BY id", p)) {
        OptOut o = row_to_opt_out(row);
        c.exec("DELETE FROM opt_outs WHERE id = $1", {o.id});
        if (c.changes() != 1) continue;  // a concurrent removal took it
        insert_opt_out_event(c, o, "opt_in", source, message_id, at);
        removed.push_back(std::move(o));
      }
    });
    if (!r) return r.error();
    return removed;
  }

  Result<bool> remove_opt_out(const std::string& account, const std::string& id,
                              const std::string& source, TimeMs at) override {
    bool found = false;
    auto r = write_tx([&](Connection& c) {
      found = false;
      auto rows = c.query(std::string(kOptOutSelect) + " WHERE account_id = $1 AND id = $2",
                          {account, id});
      if (rows.empty()) return;
      const OptOut o = row_to_opt_out(rows[0]);
      c.exec("DELETE FROM opt_outs WHERE id = $1", {o.id});
      if (c.changes() != 1) return;
      insert_opt_out_event(c, o, "opt_in", source, "", at);
      found = true;
    });
    if (!r) return r.error();
    return found;
  }

  std::vector<OptOut> find_opt_outs(const std::vector<std::string>& numbers) override {
    std::vector<std::string> unique(numbers);
    std::sort(unique.begin(), unique.end());
    unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
    std::vector<OptOut> out;
    if (unique.empty()) return out;
    auto c = db_->reader();
    for_chunks(unique.size(), [&](size_t from, size_t n) {
      Params p;
      p.reserve(n);
      for (size_t i = from; i < from + n; ++i) p.emplace_back(unique[i]);
      for (const auto& row : c->query(find_opt_outs_sql(n), p)) out.push_back(row_to_opt_out(row));
    });
    return out;
  }

  std::vector<OptOut> list_opt_outs(const OptOutFilter& f) override {
    std::string sql = std::string(kOptOutSelect) + " WHERE account_id = $1";
    Params p{f.account};
    if (f.number) {
      p.emplace_back(*f.number);
      sql += " AND number = $" + std::to_string(p.size());
    }
    if (f.after_id) {
      p.emplace_back(*f.after_id);
      sql += " AND id > $" + std::to_string(p.size());
    }
    p.emplace_back(int64_t{f.limit});
    sql += " ORDER BY id LIMIT $" + std::to_string(p.size());
    auto rows = read([&](Connection& c) { return c.query(sql, p); });
    std::vector<OptOut> out;
    out.reserve(rows.size());
    for (const auto& r : rows) out.push_back(row_to_opt_out(r));
    return out;
  }

  std::vector<OptOutEvent> list_opt_out_events(const std::string& account,
                                               const std::string& number) override {
    auto rows = read([&](Connection& c) {
      return c.query(
          "SELECT id, account_id, number, scope, our_number, action, source, message_id, at "
          "FROM opt_out_events WHERE account_id = $1 AND number = $2 ORDER BY id",
          {account, number});
    });
    std::vector<OptOutEvent> out;
    for (const auto& r : rows) {
      out.push_back({r.i64(0), r.str(1), r.str(2), r.str(3), r.str(4), r.str(5), r.str(6),
                     r.str(7), r.i64(8)});
    }
    return out;
  }

  Result<void> insert_auto_reply(const AutoReply& a) override {
    return write_tx([&](Connection& c) {
      c.exec(
          "INSERT INTO auto_replies (id, account_id, our_number, match_type, pattern, reply_body, "
          "media_urls, priority, enabled, created_at, updated_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
          {a.id, a.account, a.our_number, a.match_type, a.pattern, a.reply_body,
           nlohmann::json(a.media_urls).dump(), a.priority, int64_t{a.enabled}, a.created_at,
           a.updated_at});
    });
  }

  std::optional<AutoReply> get_auto_reply(const std::string& account,
                                          const std::string& id) override {
    auto rows = read([&](Connection& c) {
      return c.query(std::string(kAutoReplySelect) + " WHERE account_id = $1 AND id = $2",
                     {account, id});
    });
    if (rows.empty()) return std::nullopt;
    return row_to_auto_reply(rows[0]);
  }

  std::vector<AutoReply> list_auto_replies(const std::string& account) override {
    auto rows = read([&](Connection& c) {
      return c.query(std::string(kAutoReplySelect) +
                         " WHERE account_id = $1 ORDER BY priority DESC, id",
                     {account});
    });
    std::vector<AutoReply> out;
    for (const auto& r : rows) out.push_back(row_to_auto_reply(r));
    return out;
  }

  Result<bool> update_auto_reply(const AutoReply& a) override {
    bool found = false;
    auto r = write_tx([&](Connection& c) {
      c.exec(
          "UPDATE auto_replies SET our_number = $1, match_type = $2, pattern = $3, "
          "reply_body = $4, media_urls = $5, priority = $6, enabled = $7, updated_at = $8 "
          "WHERE account_id = $9 AND id = $10",
          {a.our_number, a.match_type, a.pattern, a.reply_body,
           nlohmann::json(a.media_urls).dump(), a.priority, int64_t{a.enabled}, a.updated_at,
           a.account, a.id});
      found = c.changes() == 1;
    });
    if (!r) return r.error();
    return found;
  }

  Result<bool> delete_auto_reply(const std::string& account, const std::string& id) override {
    bool found = false;
    auto r = write_tx([&](Connection& c) {
      c.exec("DELETE FROM auto_replies WHERE account_id = $1 AND id = $2", {account, id});
      found = c.changes() == 1;
    });
    if (!r) return r.error();
    return found;
  }

  // ---------------------------------------------------------------- contacts
  Result<CreateContactResult> create_contact(const Contact& k) override {
    CreateContactResult out;
    const std::string id = contact_id_for(k.account, k.number);
    auto r = write_tx([&](Connection& c) {
      c.exec(
          "INSERT INTO contacts (id, account_id, number, name, name_key, metadata, created_at, "
          "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT DO NOTHING",
          {id, k.account, k.number, k.name, contact_name_key(k.name),
           nlohmann::json(k.metadata).dump(), k.created_at});
      out.created = c.changes() == 1;
      auto rows = c.query(std::string(kContactSelect) + " WHERE account_id = $1 AND id = $2",
                          {k.account, id});
      if (rows.empty()) throw DbError("contact " + id + " vanished");
      out.contact = row_to_contact(rows[0], 0);
    });
    if (!r) return r.error();
    return out;
  }

  std::optional<Contact> get_contact(const std::string& account, const std::string& id) override {
    auto rows = read([&](Connection& c) {
      return c.query(std::string(kContactSelect) + " WHERE account_id = $1 AND id = $2",
                     {account, id});
    });
    if (rows.empty()) return std::nullopt;
    return row_to_contact(rows[0], 0);
  }

  std::vector<Contact> list_contacts(const ContactFilter& f) override {
    std::string sql = std::string(kContactSelect) + " WHERE account_id = $1";
    Params p{f.account};
    // LIKE with our own escapes: the same (case-sensitive on a lower-cased key, or on digits)
    // on both backends, since the patterns hold no upper-case letters SQLite would fold.
    const auto like = [&](std::string_view column, const std::string& prefix) {
      std::string pattern;
      for (char ch : prefix) {
        if (ch == '%' || ch == '_' || ch == '\\') pattern.push_back('\\');
        pattern.push_back(ch);
      }
      pattern.push_back('%');
      p.emplace_back(std::move(pattern));
      return std::string(column) + " LIKE $" + std::to_string(p.size()) + " ESCAPE '\\'";
    };
    std::vector<std::string> any;
    if (f.name_prefix) any.push_back(like("name_key", contact_name_key(*f.name_prefix)));
    if (f.number_prefix) any.push_back(like("number", *f.number_prefix));
    if (!any.empty()) {
      sql += " AND (" + any[0];
      for (size_t i = 1; i < any.size(); ++i) sql += " OR " + any[i];
      sql += ")";
    }
    if (f.after) {
      p.push_back(f.after->first);
      p.push_back(f.after->second);
      const auto a = std::to_string(p.size() - 1), b = std::to_string(p.size());
      sql += " AND (name_key > $" + a + " OR (name_key = $" + a + " AND id > $" + b + "))";
    }
    p.emplace_back(int64_t{f.limit});
    sql += " ORDER BY name_key, id LIMIT $" + std::to_string(p.size());
    auto rows = read([&](Connection& c) { return c.query(sql, p); });
    std::vector<Contact> out;
    out.reserve(rows.size());
    for (const auto& r : rows) out.push_back(row_to_contact(r, 0));
    return out;
  }

  Result<std::optional<Contact>> update_contact(const std::string& account, const std::string& id,
                                                const std::optional<std::string>& name,
                                                const std::optional<Metadata>& metadata,
                                                TimeMs now) override {
    std::optional<Contact> out;
    auto r = write_tx([&](Connection& c) {
      out.reset();
      std::string sql = "UPDATE contacts SET updated_at = $3";
      Params p{account, id, now};
      if (name) {
        p.emplace_back(*name);
        p.emplace_back(contact_name_key(*name));
        sql += ", name = $4, name_key = $5";
      }
      if (metadata) {
        p.emplace_back(nlohmann::json(*metadata).dump());
        sql += ", metadata = $" + std::to_string(p.size());
      }
      c.exec(sql + " WHERE account_id = $1 AND id = $2", p);
      if (c.changes() != 1) return;
      auto rows = c.query(std::string(kContactSelect) + " WHERE account_id = $1 AND id = $2",
                          {account, id});
      if (!rows.empty()) out = row_to_contact(rows[0], 0);
    });
    if (!r) return r.error();
    return out;
  }

  Result<bool> delete_contact(const std::string& account, const std::string& id) override {
    bool found = false;
    auto r = write_tx([&](Connection& c) {
      // Lock the contact first (PostgreSQL) so concurrent threading of a new message waits on
      // it rather than on one of the rows deleted after it.
      if (pg()) {
        found = !c.query("SELECT 1 FROM contacts WHERE account_id = $1 AND id = $2 FOR UPDATE",
                         {account, id})
                     .empty();
        if (!found) return;
      }
      c.exec(
          "UPDATE messages SET conversation_id = NULL WHERE conversation_id IN "
          "(SELECT id FROM conversations WHERE account_id = $1 AND contact_id = $2)",
          {account, id});
      c.exec("DELETE FROM conversations WHERE account_id = $1 AND contact_id = $2",
             {account, id});
      c.exec("DELETE FROM contacts WHERE account_id = $1 AND id = $2", {account, id});
      found = c.changes() == 1;
    });
    if (!r) return r.error();
    return found;
  }

  // ---------------------------------------------------------------- forwarding (v10)
  Result<std::optional<NumberRecord>> update_number_settings(const std::string& account,
                                                            const std::string& number,
                                                            const NumberSettingsUpdate& u,
                                                            TimeMs now) override {
    std::optional<NumberRecord> out;
    auto r = write_tx([&](Connection& c) {
      out.reset();
      // Tenant check inside the statement: another account's number is not touched.
      c.exec(
          "UPDATE numbers SET "
          "forward_url = CASE WHEN $1 = 1 THEN $2 ELSE forward_url END, "
          "forward_method = CASE WHEN $1 = 1 THEN $3 ELSE forward_method END, "
          "status_callback = CASE WHEN $4 = 1 THEN $5 ELSE status_callback END, "
          "conversations = COALESCE($9, conversations), "
          "updated_at = $6 WHERE number = $7 AND account_id = $8",
          {int64_t{u.set_forwarding}, opt(u.forward_url),
           u.forward_url ? Value(u.forward_method) : Value(nullptr),
           int64_t{u.set_status_callback}, opt(u.status_callback), now, number, account,
           opt(u.conversations)});
      if (c.changes() != 1) return;
      auto rows = c.query(select_numbers_sql() + " WHERE number = $1", {number});
      if (!rows.empty()) out = row_to_number(rows[0]);
    });
    if (!r) return r.error();
    return out;
  }

  static std::string new_signing_secret() {
    return "sbsig_" + crypto::hex(crypto::random_bytes(32));  // 256 random bits
  }

  Result<SigningSecret> signing_secret(const std::string& account, TimeMs now) override {
    SigningSecret out;
    auto r = write_tx([&](Connection& c) {
      c.exec(
          "INSERT INTO signing_secrets (account_id, secret, created_at) VALUES ($1, $2, $3) "
          "ON CONFLICT (account_id) DO NOTHING",
          {account, new_signing_secret(), now});
      auto rows = c.query(
          "SELECT secret, created_at FROM signing_secrets WHERE account_id = $1", {account});
      if (rows.empty()) throw DbError("signing secret vanished");
      out = {account, rows[0].str(0), rows[0].i64(1)};
    });
    if (!r) return r.error();
    return out;
  }

  Result<SigningSecret> rotate_signing_secret(const std::string& account, TimeMs now) override {
    SigningSecret out{account, new_signing_secret(), now};
    auto r = write_tx([&](Connection& c) {
      c.exec(
          "INSERT INTO signing_secrets (account_id, secret, created_at) VALUES ($1, $2, $3) "
          "ON CONFLICT (account_id) DO UPDATE SET secret = excluded.secret, "
          "created_at = excluded.created_at",
          {account, out.secret, now});
    });
    if (!r) return r.error();
    return out;
  }

  Result<void> record_delivery_attempt(const DeliveryAttempt& a, bool done, bool success,
                                       std::optional<TimeMs> retry_at) override {
    return write_tx([&](Connection& c) {
      c.exec(
          "INSERT INTO delivery_attempts (delivery_id, attempt, at, duration_ms, http_status, "
          "error, response_excerpt, reply_message_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
          {a.delivery_id, int64_t{a.attempt}, a.at, a.duration_ms,
           a.http_status ? Value(int64_t{a.http_status}) : Value(nullptr), null_if_empty(a.error),
           null_if_empty(a.response_excerpt), null_if_empty(a.reply_message_id)});
      finish_delivery_row(c, a.delivery_id, done, success, a.http_status, a.error,
                          a.at + a.duration_ms, retry_at);
    }, /*durable=*/false);
  }

  Result<void> defer_delivery(const std::string& id, TimeMs at) override {
    return write_tx([&](Connection& c) {
      c.exec(
          "UPDATE deliveries SET attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, "
          "next_attempt_at = $1 WHERE id = $2 AND state = 'pending'",
          {at, id});
    }, /*durable=*/false);
  }

  std::vector<DeliveryAttempt> list_delivery_attempts(const std::string& message_id) override {
    auto rows = read([&](Connection& c) {
      return c.query(
          "SELECT a.delivery_id, a.attempt, a.at, a.duration_ms, a.http_status, a.error, "
          "a.response_excerpt, a.reply_message_id FROM delivery_attempts a "
          "JOIN deliveries d ON d.id = a.delivery_id WHERE d.message_id = $1 "
          "ORDER BY a.delivery_id, a.attempt, a.id",
          {message_id});
    });
    std::vector<DeliveryAttempt> out;
    for (const auto& r : rows) {
      DeliveryAttempt a;
      a.delivery_id = r.str(0);
      a.attempt = static_cast<int>(r.i64(1));
      a.at = r.i64(2);
      a.duration_ms = r.i64(3);
      a.http_status = r.is_null(4) ? 0 : static_cast<int>(r.i64(4));
      a.error = r.str(5);
      a.response_excerpt = r.str(6);
      a.reply_message_id = r.str(7);
      out.push_back(std::move(a));
    }
    return out;
  }

  Result<std::optional<Conversation>> mark_conversation_read(const std::string& account,
                                                             const std::string& id) override {
    std::optional<Conversation> out;
    auto r = write_tx([&](Connection& c) {
      out.reset();
      c.exec("UPDATE conversations SET unread_count = 0 WHERE account_id = $1 AND id = $2",
             {account, id});
      if (c.changes() != 1) return;
      auto rows = c.query(select_conversations_sql() + " WHERE v.account_id = $1 AND v.id = $2",
                          {account, id});
      if (!rows.empty()) out = row_to_conversation(rows[0]);
    });
    if (!r) return r.error();
    return out;
  }

  // ---------------------------------------------------------------- redaction
  Result<RedactResult> redact_message(const std::string& account, const std::string& id,
                                      TimeMs now) override {
    RedactResult out;
    auto r = write_tx([&](Connection& c) {
      out = {};
      TxWork w;
      TxEntry* e = load(c, w, id, /*full=*/true);  // locked (PostgreSQL) until commit
      if (!e || e->m.account != account) return;
      if (e->m.redaction) {
        out = {RedactOutcome::kAlreadyRedacted, e->m};
        return;
      }
      if (e->m.status == Status::kSending) {
        out = {RedactOutcome::kInFlight, e->m};
        return;
      }
      // Not handed to a provider yet: cancel, so the erased body is never sent.
      if (e->m.direction == Direction::kOutbound && can_transition(e->m.status, Status::kCanceled)) {
        Transition t;
        t.message_id = id;
        t.to = Status::kCanceled;
        t.at = now;
        t.expect = e->m.status;
        t.detail = "canceled: redacted before it was sent";
        transition(c, w, *e, t);
        flush(c, w);
      }
      Message& m = e->m;
      const std::string provider = m.provider_message_id.empty() ? "none" : "pending";
      c.exec(
          "UPDATE messages SET body = '', media_urls = '[]', media = NULL, redacted_at = $1, "
          "redaction_state = $2, redaction_error = NULL, redaction_attempts = 0, "
          "redaction_next_at = $3 WHERE id = $4",
          {now, provider, provider == "pending" ? Value(now) : Value(nullptr), id});
      m.body.clear();
      m.media_urls.clear();
      m.media.clear();
      m.redaction = Message::Redaction{now, provider, ""};
      // Re-hosted media: the rows go now (/v1/media/{id} and signed URLs answer 404); a file
      // is orphaned once no other message's media row has the same content.
      std::vector<std::string> orphaned;
      auto shas = c.query(
          "SELECT DISTINCT sha256 FROM media WHERE message_id = $1 AND sha256 IS NOT NULL", {id});
      c.exec("DELETE FROM media WHERE message_id = $1", {id});
      for (const auto& row : shas) {
        if (c.query("SELECT 1 FROM media WHERE sha256 = $1 LIMIT 1", {row.str(0)}).empty()) {
          orphaned.push_back(row.str(0));
        }
      }
      // Raw provider webhooks that carried the content: the inbound one, split-MMS parts, and
      // status reports that echo the text (Telnyx's do).
      c.exec(
          "UPDATE webhook_events SET payload = NULL WHERE payload IS NOT NULL AND (message_id = $1 "
          "OR id IN (SELECT webhook_event_id FROM message_events WHERE message_id = $1 AND "
          "webhook_event_id IS NOT NULL))",
          {id});
      // Status-callback payloads (pending and done) embed the message.
      const nlohmann::json redacted_json = to_json(m);
      for (const auto& row :
           c.query("SELECT id, payload FROM deliveries WHERE message_id = $1", {id})) {
        nlohmann::json p = nlohmann::json::parse(row.str(1), nullptr, false);
        if (!p.is_object() || !p.contains("message")) continue;
        p["message"] = redacted_json;
        c.exec("UPDATE deliveries SET payload = $1 WHERE id = $2", {p.dump(), row.str(0)});
      }
      if (!m.conversation_id.empty()) {
        c.exec(
            "UPDATE conversations SET last_message_preview = '[redacted]' "
            "WHERE id = $1 AND last_message_id = $2",
            {m.conversation_id, id});
      }
      MessageEvent ev;
      ev.message_id = id;
      ev.type = "redacted";
      ev.status = m.status;
      ev.at = now;
      ev.applied = true;
      ev.detail = "body and media erased; provider copy: " + provider;
      insert_event(c, ev);
      out = {RedactOutcome::kRedacted, m, std::move(orphaned)};
    });
    if (!r) return r.error();
    return out;
  }

  Result<std::vector<RedactionJob>> claim_redactions(TimeMs now, int64_t lease_ms,
                                                     int limit) override {
    // Polled by a dispatcher worker each poll interval; the probe uses messages_redaction_due.
    return claim_rows<RedactionJob>(
        "SELECT 1 FROM messages WHERE redaction_state = 'pending' AND redaction_next_at <= $1 "
        "LIMIT 1",
        "SELECT " + std::string(kMessageColumns) + ", " + std::string(kRedactionColumns) +
            ", redaction_attempts FROM messages WHERE redaction_state = 'pending' "
            "AND redaction_next_at <= $1 ORDER BY redaction_next_at LIMIT $2",
        now, limit, /*durable=*/false, [&](Connection& c, const Row& row) {
          RedactionJob j{row_to_message(row), static_cast<int>(row.i64(33)) + 1};
          c.exec(
              "UPDATE messages SET redaction_attempts = $1, redaction_next_at = $2 WHERE id = $3",
              {int64_t{j.attempts}, now + lease_ms, j.message.id});
          return j;
        });
  }

  Result<void> finish_redaction(const std::string& id, const std::string& state,
                                const std::string& error, std::optional<TimeMs> retry_at,
                                TimeMs /*now*/) override {
    return write_tx([&](Connection& c) {
      c.exec(
          "UPDATE messages SET redaction_state = $1, redaction_error = $2, redaction_next_at = $3 "
          "WHERE id = $4 AND redaction_state = 'pending'",
          {state, null_if_empty(error), opt(retry_at), id});
    });
  }

  // ---------------------------------------------------------------- media re-hosting (v11)
  Result<std::vector<MediaRecord>> claim_media(TimeMs now, int64_t lease_ms, int limit) override {
    return claim_rows<MediaRecord>(
        "SELECT 1 FROM media WHERE state = 'pending' AND next_attempt_at <= $1 LIMIT 1",
        std::string(kMediaSelect) +
            " WHERE state = 'pending' AND next_attempt_at <= $1 "
            "ORDER BY next_attempt_at, id LIMIT $2",
        now, limit, /*durable=*/true, [&](Connection& c, const Row& row) {
          MediaRecord m = row_to_media(row);
          m.attempts += 1;
          m.next_attempt_at = now + lease_ms;
          m.updated_at = now;
          c.exec("UPDATE media SET attempts = $1, next_attempt_at = $2, updated_at = $3 "
                 "WHERE id = $4",
                 {int64_t{m.attempts}, m.next_attempt_at, now, m.id});
          return m;
        });
  }

  Result<void> finish_media(const std::string& id, const MediaOutcome& o, TimeMs now) override {
    return write_tx([&](Connection& c) {
      c.exec(
          "UPDATE media SET state = $1, sha256 = COALESCE($2, sha256), "
          "content_type = COALESCE($3, content_type), size = COALESCE($4, size), "
          "last_error = $5, next_attempt_at = COALESCE($6, next_attempt_at), updated_at = $7 "
          "WHERE id = $8",
          {o.state, null_if_empty(o.sha256), null_if_empty(o.content_type), opt(o.size),
           null_if_empty(o.error), opt(o.retry_at), now, id});
    });
  }

  std::optional<MediaRecord> get_media(const std::string& account,
                                       const std::string& id) override {
    return one_media(" WHERE id = $1 AND account_id = $2", {id, account});
  }

  std::optional<MediaRecord> get_media_by_id(const std::string& id) override {
    return one_media(" WHERE id = $1", {id});
  }

  std::vector<MediaRecord> list_media(const std::string& message_id) override {
    auto rows = read([&](Connection& c) {
      return c.query(std::string(kMediaSelect) + " WHERE message_id = $1 ORDER BY position",
                     {message_id});
    });
    std::vector<MediaRecord> out;
    for (const auto& r : rows) out.push_back(row_to_media(r));
    return out;
  }

  Result<std::string> ensure_secret(const std::string& name, const std::string& candidate,
                                    TimeMs now) override {
    std::string value;
    auto r = write_tx([&](Connection& c) {
      c.exec("INSERT INTO gateway_secrets (name, value, created_at) VALUES ($1, $2, $3) "
             "ON CONFLICT (name) DO NOTHING",
             {name, candidate, now});
      auto rows = c.query("SELECT value FROM gateway_secrets WHERE name = $1", {name});
      if (rows.empty()) throw DbError("secret not stored");
      value = rows[0].str(0);
    });
    if (!r) return r.error();
    return value;
  }

 private:
  // our side of a message (index messages_our_number uses this exact expression).
  static constexpr std::string_view kOurNumberExpr =
      "(CASE WHEN direction = 'outbound' THEN from_addr ELSE to_addr END) =";
  static constexpr std::string_view kOptOutSelect =
      "SELECT id, account_id, number, scope, our_number, source, created_at FROM opt_outs";
  static constexpr std::string_view kContactSelect =
      "SELECT id, account_id, number, name, metadata, created_at, updated_at FROM contacts";
  static constexpr std::string_view kAutoReplySelect =
      "SELECT id, account_id, our_number, match_type, pattern, reply_body, media_urls, priority, "
      "enabled, created_at, updated_at FROM auto_replies";

  static OptOut row_to_opt_out(const Row& r) {
    return {r.str(0), r.str(1), r.str(2), r.str(3), r.str(4), r.str(5), r.i64(6)};
  }

  static AutoReply row_to_auto_reply(const Row& r) {
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

  static const std::string& find_opt_outs_sql(size_t n) {
    static const auto sqls = [] {
      std::map<size_t, std::string> m;
      for (size_t k : kChunkSizes) {
        m[k] = std::string(kOptOutSelect) + " WHERE number IN " + placeholders(1, k);
      }
      return m;
    }();
    return sqls.at(n);
  }

  static void insert_opt_out_event(Connection& c, const OptOut& o, const std::string& action,
                                   const std::string& source, const std::string& message_id,
                                   TimeMs at) {
    c.exec(
        "INSERT INTO opt_out_events (account_id, number, scope, our_number, action, source, "
        "message_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        {o.account, o.number, o.scope, o.our_number, action, source, null_if_empty(message_id),
         at});
  }

  static const std::string& select_conversations_sql() {
    static const std::string s =
        "SELECT t.id, t.account_id, t.number, t.name, t.metadata, t.created_at, t.updated_at, "
        "v.id, v.our_number, v.created_at, v.last_message_at, v.last_message_id, "
        "v.last_message_preview, v.unread_count, v.inbound_count, v.outbound_count "
        "FROM conversations v JOIN contacts t ON t.id = v.contact_id";
    return s;
  }

  static Contact row_to_contact(const Row& r, size_t at) {
    Contact k;
    k.id = r.str(at);
    k.account = r.str(at + 1);
    k.number = r.str(at + 2);
    k.name = r.str(at + 3);
    k.metadata = nlohmann::json::parse(r.str(at + 4)).get<Metadata>();
    k.created_at = r.i64(at + 5);
    k.updated_at = r.i64(at + 6);
    return k;
  }

  static Conversation row_to_conversation(const Row& r) {
    Conversation v;
    v.contact = row_to_contact(r, 0);
    v.account = v.contact.account;
    v.id = r.str(7);
    v.our_number = r.str(8);
    v.created_at = r.i64(9);
    v.last_message_at = r.i64(10);
    v.last_message_id = r.str(11);
    v.last_message_preview = r.str(12);
    v.unread_count = r.i64(13);
    v.inbound_count = r.i64(14);
    v.outbound_count = r.i64(15);
    return v;
  }

  // A buffered MMS part keeps the fields an inbound message needs.
  static nlohmann::json part_json(const Message& m) {
    return {{"id", m.id},         {"account", m.account}, {"from", m.from},
            {"to", m.to},         {"body", m.body},       {"media", media_json(m.media)},
            {"connector", m.connector}, {"provider_message_id", m.provider_message_id},
            {"created_at", m.created_at}};
  }
  static Message part_from_json(const nlohmann::json& j) {
    Message m;
    m.direction = Direction::kInbound;
    m.status = Status::kReceived;
    m.id = j.value("id", "");
    m.account = j.value("account", "");
    m.from = j.value("from", "");
    m.to = j.value("to", "");
    m.body = j.value("body", "");
    m.media = media_from_json(j["media"].dump());
    for (const auto& item : m.media) m.media_urls.push_back(item.url);
    m.connector = j.value("connector", "");
    m.provider_message_id = j.value("provider_message_id", "");
    m.created_at = m.updated_at = j.value("created_at", int64_t{0});
    return m;
  }

  // One webhook inside a batch's transaction.
  WebhookIngestResult ingest_one(Connection& c, WebhookIngest& in) {
    WebhookIngestResult out;
    const auto& w = in.webhook;
    const std::optional<std::string> message_id =
        in.inbound ? std::optional<std::string>(in.inbound->id) : std::nullopt;
    auto rows = c.query(
        "INSERT INTO webhook_events (connector_id, dedupe_key, kind, event_type, message_id, "
        "received_at, content_type, payload) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
        "ON CONFLICT (connector_id, dedupe_key) DO NOTHING RETURNING id",
        {w.connector, w.dedupe_key, w.kind, null_if_empty(w.event_type), opt(message_id),
         w.received_at, null_if_empty(w.content_type), w.payload});
    if (rows.empty()) {
      out.duplicate = true;
      return out;
    }
    const int64_t webhook_id = rows[0].i64(0);
    if (in.inbound) {
      insert_inbound(c, *in.inbound, webhook_id);
      out.inbound = *in.inbound;
    }
    if (in.unrouted) {
      const auto& u = *in.unrouted;
      c.exec(
          "INSERT INTO unrouted_inbound (id, connector_id, from_addr, to_addr, body, media, "
          "provider_message_id, received_at, webhook_event_id) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
          {u.id, w.connector, u.from, u.to, u.body, media_json(u.media).dump(),
           null_if_empty(u.provider_message_id), w.received_at, webhook_id});
    }
    if (in.mms_part) {
      const auto& p = *in.mms_part;
      c.exec(
          "INSERT INTO mms_parts (connector_id, part_key, text_part, payload, received_at, "
          "webhook_event_id) VALUES ($1, $2, $3, $4, $5, $6)",
          {w.connector, p.key, int64_t{p.text_part}, part_json(p.message).dump(),
           w.received_at, webhook_id});
    }
    for (const auto& rep : in.statuses) {
      auto res = apply_report(c, rep, webhook_id);
      if (!res.found) {
        c.exec(
            "INSERT INTO orphan_statuses (connector_id, provider_message_id, status, at, "
            "provider_status, error_code, error_message, webhook_event_id, created_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            {rep.connector, rep.provider_message_id, std::string(to_string(rep.status)),
             rep.at, null_if_empty(rep.provider_status), null_if_empty(rep.error_code),
             null_if_empty(rep.error_message), webhook_id, w.received_at});
      }
      out.statuses.push_back(std::move(res));
    }
    return out;
  }

  // Stores a routed inbound message with its `received` event and threads it.
  void insert_inbound(Connection& c, Message& m, int64_t webhook_id) {
    assign_conversation(m);
    if (!insert_message_row(c, m)) throw DbError("inbound message id collision");
    insert_media_rows(c, m);  // media re-hosting (v11)
    MessageEvent e;
    e.message_id = m.id;
    e.status = Status::kReceived;
    e.at = m.created_at;
    e.applied = true;
    e.provider_status = "received";
    e.webhook_event_id = webhook_id;
    insert_event(c, e);
    thread_message(c, m);
    // Forwarding (v10): queued with the message, in its transaction, if the number forwards.
    // The body is built at attempt time from the current row (media may be re-hosted by then).
    c.exec(
        "INSERT INTO deliveries (id, account_id, message_id, kind, url, payload, state, attempts, "
        "next_attempt_at, created_at, updated_at, method) "
        "SELECT $1, account_id, $2, 'forward', forward_url, '', 'pending', 0, "
        "CAST($3 AS BIGINT), CAST($3 AS BIGINT), CAST($3 AS BIGINT), "
        "COALESCE(forward_method, 'POST') FROM numbers "
        "WHERE number = $4 AND account_id = $5 AND forward_url IS NOT NULL",
        {new_id("dlv_", m.created_at), m.id, m.created_at, m.to, m.account});
  }

  // Matches one provider report to its message (by connector and provider message id) and
  // applies it; found=false when no message has that provider id (yet).
  TransitionResult apply_report(Connection& c, const ProviderStatus& rep,
                                int64_t webhook_id = 0) {
    TxWork w;
    TxEntry* e = load_by_provider(c, w, rep, /*full=*/true);
    if (!e) return {};
    Transition t = report_transition(e->m.id, rep);
    t.webhook_event_id = webhook_id;
    TransitionResult res;
    res.found = true;
    res.applied = transition(c, w, *e, t).applied;
    res.message = e->m;
    flush(c, w);
    return res;
  }

  // media re-hosting (v11): row helpers
  static constexpr std::string_view kMediaSelect =
      "SELECT id, account_id, message_id, position, source_url, connector_id, sha256, "
      "content_type, size, state, attempts, next_attempt_at, last_error, created_at, updated_at "
      "FROM media";

  std::optional<MediaRecord> one_media(std::string_view where, const Params& p) {
    auto rows = read([&](Connection& c) {
      return c.query(std::string(kMediaSelect).append(where), p);
    });
    if (rows.empty()) return std::nullopt;
    return row_to_media(rows[0]);
  }

  static MediaRecord row_to_media(const Row& r) {
    MediaRecord m;
    m.id = r.str(0);
    m.account = r.str(1);
    m.message_id = r.str(2);
    m.index = static_cast<int>(r.i64(3));
    m.source_url = r.str(4);
    m.connector = r.str(5);
    m.sha256 = r.str(6);
    m.content_type = r.str(7);
    m.size = r.opt_i64(8);
    m.state = r.str(9);
    m.attempts = static_cast<int>(r.i64(10));
    m.next_attempt_at = r.i64(11);
    m.last_error = r.str(12);
    m.created_at = r.i64(13);
    m.updated_at = r.i64(14);
    return m;
  }

  // One pending row per re-hosted media item of a new inbound message, due at once.
  void insert_media_rows(Connection& c, const Message& m) {
    for (size_t i = 0; i < m.media.size(); ++i) {
      const MediaItem& item = m.media[i];
      if (item.id.empty()) continue;
      c.exec(
          "INSERT INTO media (id, account_id, message_id, position, source_url, connector_id, "
          "state, attempts, next_attempt_at, created_at, updated_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $8, $8)",
          {item.id, m.account, m.id, static_cast<int64_t>(i),
           item.source_url.empty() ? item.url : item.source_url, null_if_empty(m.connector),
           m.updated_at, m.updated_at});
    }
  }

  // Fills re-hosted items' state, sniffed type, size and error from their media rows: what the
  // gateway knows now, not what the provider claimed (docs/media.md).
  void attach_media(std::vector<Message>& msgs) {
    std::vector<std::string> ids;
    for (const auto& m : msgs) {
      for (const auto& item : m.media) {
        if (!item.id.empty()) {
          ids.push_back(m.id);
          break;
        }
      }
    }
    if (ids.empty()) return;
    std::map<std::string, MediaRecord> by_id;
    for (size_t start = 0; start < ids.size(); start += 64) {
      const size_t n = std::min<size_t>(64, ids.size() - start);
      Params p(ids.begin() + static_cast<long>(start), ids.begin() + static_cast<long>(start + n));
      std::string sql = std::string(kMediaSelect) + " WHERE message_id IN (";
      for (size_t i = 0; i < n; ++i) sql.append(i ? ", $" : "$").append(std::to_string(i + 1));
      sql += ")";
      for (const auto& r : read([&](Connection& c) { return c.query(sql, p); })) {
        MediaRecord rec = row_to_media(r);
        by_id.emplace(rec.id, std::move(rec));
      }
    }
    for (auto& m : msgs) {
      for (auto& item : m.media) {
        auto it = by_id.find(item.id);
        if (it == by_id.end()) continue;
        const MediaRecord& rec = it->second;
        item.state = rec.state;
        item.error = rec.state == "failed" ? rec.last_error : "";
        if (rec.state == "ready") {
          item.content_type = rec.content_type;
          item.size = rec.size;
        }
      }
    }
  }

  bool pg() const { return db_->dialect() == Dialect::kPostgres; }

  // True when the probe query finds a row (or cannot tell: then the caller's claim decides).
  bool due_exists(std::string_view sql, TimeMs now) {
    try {
      return !read([&](Connection& c) { return c.query(sql, {now}); }).empty();
    } catch (const std::exception&) {
      return true;
    }
  }

  // Leases due work rows (deliveries, redactions, media): a cheap look (`probe_sql`, $1 = now)
  // before taking the write lock, since idle workers poll; then one transaction selects up to
  // `limit` due rows (`select_sql`, $1 = now, $2 = limit; on PostgreSQL skipping rows another
  // instance has locked) and `take` records each row's lease and returns its record.
  template <typename T, typename Take>
  Result<std::vector<T>> claim_rows(std::string_view probe_sql, std::string select_sql, TimeMs now,
                                    int limit, bool durable, Take&& take) {
    std::vector<T> out;
    if (!due_exists(probe_sql, now)) return out;
    if (pg()) select_sql += " FOR UPDATE SKIP LOCKED";
    auto r = write_tx(
        [&](Connection& c) {
          out.clear();
          for (const auto& row : c.query(select_sql, {now, int64_t{limit}})) {
            out.push_back(take(c, row));
          }
        },
        durable);
    if (!r) return r.error();
    // As claim_due: a claimed row may come from a commit that is not on disk yet, and the
    // worker is about to act on it outside the database.
    if (!out.empty()) db_->sync_deferred();
    return out;
  }

  static const std::string& select_messages_sql() {
    static const std::string s = "SELECT " + std::string(kMessageColumns) + ", " +
                                 std::string(kRedactionColumns) + " FROM messages";
    return s;
  }

  template <typename F>
  Result<void> write_tx(F&& fn, bool durable = true) {
    return write_tx_as(durable ? TxSync::kDurable : TxSync::kRelaxed, std::forward<F>(fn));
  }

  // Durable: on disk when this returns. Relaxed: may be lost with the machine (not with the
  // process). Deferred: relaxed now, on disk after the next sync_deferred() (see Driver).
  // A durable transaction is a deferred one followed by sync_deferred() once the writer is
  // released: on SQLite the fsync then no longer holds the only writer (a synchronous=FULL
  // COMMIT would, for a millisecond or more, stalling the outbox and every other writer behind
  // it), and durable transactions of several threads share fsyncs.
  enum class TxSync { kDurable, kRelaxed, kDeferred };
  template <typename F>
  Result<void> write_tx_as(TxSync sync, F&& fn) {
    try {
      {
        auto c = db_->writer();
        if (sync == TxSync::kRelaxed) {
          db_->begin(*c, /*durable=*/false);
        } else {
          db_->begin_deferred(*c);
        }
        try {
          fn(*c);
          c->exec("COMMIT");
          if (sync != TxSync::kRelaxed) db_->note_deferred_commit();
        } catch (...) {
          try {
            c->exec("ROLLBACK");
          } catch (...) {
          }
          throw;
        }
      }
      if (sync == TxSync::kDurable) db_->sync_deferred();
      return Ok();
    } catch (const std::exception& e) {
      return db_error(e);
    }
  }

  // Reads throw DbError on failure; callers at the API edge map that to 503.
  template <typename F>
  std::vector<Row> read(F&& fn) {
    auto c = db_->reader();
    return fn(*c);
  }

  // Returns false, inserting nothing, when (account, idempotency_key) already exists; the
  // conflict waits for a concurrent inserter of the same key to commit or roll back.
  static constexpr size_t kMessageParams = 30;  // the columns of kMessageColumns

  // The parameters of a message row, in kMessageColumns order.
  static void append_message_params(Params& p, const Message& m) {
    p.emplace_back(m.id);
    p.emplace_back(m.account);
    p.emplace_back(std::string(to_string(m.direction)));
    p.emplace_back(m.from);
    p.emplace_back(m.to);
    p.emplace_back(m.body);
    p.emplace_back(nlohmann::json(m.media_urls).dump());
    p.emplace_back(std::string(to_string(m.status)));
    p.emplace_back(int64_t{m.segments});
    p.emplace_back(std::string(to_string(m.encoding)));
    p.emplace_back(m.created_at);
    p.emplace_back(m.updated_at);
    p.emplace_back(null_if_empty(m.error_code));
    p.emplace_back(null_if_empty(m.error_message));
    p.emplace_back(nlohmann::json(m.metadata).dump());
    p.emplace_back(null_if_empty(m.connector));
    p.emplace_back(null_if_empty(m.provider_message_id));
    p.emplace_back(null_if_empty(m.status_callback));
    p.emplace_back(opt(m.validity_period_s));
    p.emplace_back(int64_t{m.attempts});
    p.emplace_back(m.next_attempt_at ? Value(m.next_attempt_at) : Value(nullptr));
    p.emplace_back(null_if_empty(m.idempotency_key));
    p.emplace_back(null_if_empty(m.request_hash));
    p.emplace_back(null_if_empty(m.conversation_id));
    p.emplace_back(m.media.empty() ? Value(nullptr) : Value(media_json(m.media).dump()));
    // v5: scheduling and quiet hours
    p.emplace_back(opt(m.send_at));
    p.emplace_back(m.category);
    p.emplace_back(opt(m.deferred_until));
    // v7: provider options
    p.emplace_back(null_if_empty(m.max_price));
    p.emplace_back(m.smart_encoding ? Value(int64_t{*m.smart_encoding}) : Value(nullptr));
  }

  static const std::string& insert_messages_sql(size_t n) {
    static const auto sqls = [] {
      std::map<size_t, std::string> m;
      for (size_t k : kChunkSizes) {
        m[k] = "INSERT INTO messages (" + std::string(kMessageColumns) + ") VALUES " +
               placeholders(k, kMessageParams);
      }
      return m;
    }();
    return sqls.at(n);
  }

  bool insert_message_row(Connection& c, const Message& m) {
    Params p;
    p.reserve(kMessageParams);
    append_message_params(p, m);
    c.exec(insert_messages_sql(1) +
               " ON CONFLICT (account_id, idempotency_key) "
               "WHERE idempotency_key IS NOT NULL DO NOTHING",
           p);
    return c.changes() == 1;
  }

  void insert_event(Connection& c, const MessageEvent& e) {
    c.exec(
        "INSERT INTO message_events (message_id, type, status, at, applied, provider_status, "
        "error_code, error_message, detail, webhook_event_id) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        {e.message_id, e.type, std::string(to_string(e.status)), e.at, int64_t{e.applied},
         null_if_empty(e.provider_status), null_if_empty(e.error_code),
         null_if_empty(e.error_message), null_if_empty(e.detail),
         e.webhook_event_id ? Value(e.webhook_event_id) : Value(nullptr)});
  }

  // The conversation a message belongs to (derived, so it can be written with the message row).
  static std::string conversation_of(const Message& m) {
    const bool out = m.direction == Direction::kOutbound;
    const std::string& their = out ? m.to : m.from;
    return conversation_id_for(m.account, out ? m.from : m.to, contact_id_for(m.account, their));
  }
  // Sets m.conversation_id.
  static void assign_conversation(Message& m) { m.conversation_id = conversation_of(m); }
  // The same for a message that may only join a conversation (Message::start_conversation
  // false): none if its conversation is not among `joinable` (existing_conversations).
  static void assign_conversation(Message& m, const std::set<std::string>& joinable) {
    assign_conversation(m);
    if (!m.start_conversation && !joinable.count(m.conversation_id)) m.conversation_id.clear();
  }

  // Of the conversations that the batch's join-only messages belong to, those that exist. No
  // query when every message may start its conversation (the usual case).
  static std::set<std::string> existing_conversations(Connection& c,
                                                      const std::vector<NewMessage>& batch) {
    std::vector<std::string> ids;
    for (const auto& nm : batch) {
      if (!nm.message.start_conversation) ids.push_back(conversation_of(nm.message));
    }
    std::set<std::string> found;
    for_chunks(ids.size(), [&](size_t from, size_t n) {
      Params p(ids.begin() + static_cast<std::ptrdiff_t>(from),
               ids.begin() + static_cast<std::ptrdiff_t>(from + n));
      for (const auto& r : c.query(existing_conversations_sql(n), p)) found.insert(r.str(0));
    });
    return found;
  }
  static const std::string& existing_conversations_sql(size_t n) {
    static const auto sqls = [] {
      std::map<size_t, std::string> m;
      for (size_t k : kChunkSizes) {
        m[k] = "SELECT id FROM conversations WHERE id IN " + placeholders(1, k);
      }
      return m;
    }();
    return sqls.at(n);
  }

  // Finds or creates the contact and the conversation of a stored message and counts it there.
  void thread_message(Connection& c, const Message& m) { thread_messages(c, {&m}); }

  // thread_message for many stored messages at once: one multi-row insert for their contacts and
  // one multi-row upsert for their conversations, aggregated per conversation (so each row is
  // touched once per statement) and written in id order (so concurrent batches on PostgreSQL
  // take row locks in the same order and cannot deadlock).
  void thread_messages(Connection& c, const std::vector<const Message*>& ms) {
    if (ms.empty()) return;
    struct NewContact {
      std::string id;
      const Message* first;
    };
    struct Thread {
      const Message* first;
      const Message* last;
      std::string contact;
      int64_t inbound = 0, outbound = 0;
    };
    std::map<std::string, NewContact> contacts;
    std::map<std::string, Thread> threads;
    for (const Message* m : ms) {
      if (m->conversation_id.empty()) continue;  // a join-only message with no conversation
      const bool out = m->direction == Direction::kOutbound;
      std::string contact = contact_id_for(m->account, out ? m->to : m->from);
      contacts.try_emplace(contact, NewContact{contact, m});
      auto [it, fresh] = threads.try_emplace(m->conversation_id, Thread{m, m, contact});
      Thread& t = it->second;
      if (!fresh) {
        if (m->created_at >= t.last->created_at) t.last = m;  // later in the batch wins ties
        if (m->created_at < t.first->created_at) t.first = m;
      }
      ++(out ? t.outbound : t.inbound);
    }
    std::vector<const NewContact*> cs;
    for (const auto& [id, nc] : contacts) cs.push_back(&nc);
    for_chunks(cs.size(), [&](size_t from, size_t n) {
      Params p;
      p.reserve(4 * n);
      for (size_t i = from; i < from + n; ++i) {
        const Message& m = *cs[i]->first;
        p.emplace_back(cs[i]->id);
        p.emplace_back(m.account);
        p.emplace_back(m.direction == Direction::kOutbound ? m.to : m.from);
        p.emplace_back(m.created_at);
      }
      c.exec(insert_contacts_sql(n), p);
    });
    std::vector<std::pair<const std::string*, const Thread*>> ts;
    for (const auto& [id, t] : threads) ts.emplace_back(&id, &t);
    for_chunks(ts.size(), [&](size_t from, size_t n) {
      Params p;
      p.reserve(11 * n);
      for (size_t i = from; i < from + n; ++i) {
        const Thread& t = *ts[i].second;
        const Message& last = *t.last;
        p.emplace_back(*ts[i].first);
        p.emplace_back(last.account);
        p.emplace_back(last.direction == Direction::kOutbound ? last.from : last.to);
        p.emplace_back(t.contact);
        p.emplace_back(t.first->created_at);
        p.emplace_back(last.created_at);
        p.emplace_back(last.id);
        p.emplace_back(message_preview(last));
        p.emplace_back(t.inbound);  // unread
        p.emplace_back(t.inbound);
        p.emplace_back(t.outbound);
      }
      c.exec(upsert_conversations_sql(n), p);
    });
  }

  static const std::string& insert_contacts_sql(size_t n) {
    static const auto sqls = [] {
      std::map<size_t, std::string> m;
      for (size_t k : kChunkSizes) {
        std::string sql =
            "INSERT INTO contacts (id, account_id, number, name, name_key, metadata, created_at, "
            "updated_at) VALUES ";
        for (size_t i = 0; i < k; ++i) {
          const auto ph = [&](size_t col) { return std::to_string(4 * i + col); };
          sql.append(i ? ", ($" : "($").append(ph(1)).append(", $").append(ph(2));
          sql.append(", $").append(ph(3)).append(", 'Unknown', 'unknown', '{}', $");
          sql.append(ph(4)).append(", $").append(ph(4)).append(")");
        }
        m[k] = sql + " ON CONFLICT DO NOTHING";
      }
      return m;
    }();
    return sqls.at(n);
  }

  static const std::string& upsert_conversations_sql(size_t n) {
    static const auto sqls = [] {
      std::map<size_t, std::string> m;
      for (size_t k : kChunkSizes) {
        m[k] =
            "INSERT INTO conversations (id, account_id, our_number, contact_id, created_at, "
            "last_message_at, last_message_id, last_message_preview, unread_count, "
            "inbound_count, outbound_count) VALUES " +
            placeholders(k, 11) +
            // The id is derived from the pair (conversation_id_for): the one unique key, so
            // that concurrent first messages on PostgreSQL all end here (migration 15).
            " ON CONFLICT (id) DO UPDATE SET "
            "last_message_id = CASE WHEN excluded.last_message_at >= "
            "conversations.last_message_at THEN excluded.last_message_id "
            "ELSE conversations.last_message_id END, "
            "last_message_preview = CASE WHEN excluded.last_message_at >= "
            "conversations.last_message_at THEN excluded.last_message_preview "
            "ELSE conversations.last_message_preview END, "
            "last_message_at = CASE WHEN excluded.last_message_at >= "
            "conversations.last_message_at THEN excluded.last_message_at "
            "ELSE conversations.last_message_at END, "
            "unread_count = conversations.unread_count + excluded.unread_count, "
            "inbound_count = conversations.inbound_count + excluded.inbound_count, "
            "outbound_count = conversations.outbound_count + excluded.outbound_count";
      }
      return m;
    }();
    return sqls.at(n);
  }

  // Calls fn(first, count) over [0, total) in chunks of the fixed kChunkSizes.
  template <typename F>
  static void for_chunks(size_t total, F&& fn) {
    size_t at = 0;
    for (size_t size : kChunkSizes) {
      while (total - at >= size) {
        fn(at, size);
        at += size;
      }
    }
  }

  static const std::string& claim_update_sql(size_t n) {
    static const auto sqls = [] {
      std::map<size_t, std::string> m;
      for (size_t k : kChunkSizes) {
        std::string in;
        for (size_t i = 0; i < k; ++i) {
          in += i ? ", $" : "$";
          in += std::to_string(4 + i);
        }
        m[k] = "UPDATE messages SET status = 'sending', attempts = attempts + 1, "
               "next_attempt_at = $1, lease_owner = $2, updated_at = $3 WHERE id IN (" +
               in + ")";
      }
      return m;
    }();
    return sqls.at(n);
  }

  static const std::string& insert_events_sql(size_t n) {
    static const auto sqls = [] {
      std::map<size_t, std::string> m;
      for (size_t k : kChunkSizes) {
        m[k] = "INSERT INTO message_events (message_id, type, status, at, applied, "
               "provider_status, error_code, error_message, detail, webhook_event_id) VALUES " +
               placeholders(k, 10);
      }
      return m;
    }();
    return sqls.at(n);
  }

  // Inserts event rows in input order (their ids keep that order) with multi-row statements.
  void insert_events(Connection& c, std::vector<MessageEvent>& events) {
    for_chunks(events.size(), [&](size_t from, size_t n) {
      Params p;
      p.reserve(10 * n);
      for (size_t i = from; i < from + n; ++i) {
        MessageEvent& e = events[i];
        p.emplace_back(std::move(e.message_id));
        p.emplace_back(std::move(e.type));
        p.emplace_back(std::string(to_string(e.status)));
        p.emplace_back(e.at);
        p.emplace_back(int64_t{e.applied});
        p.emplace_back(null_if_empty(e.provider_status));
        p.emplace_back(null_if_empty(e.error_code));
        p.emplace_back(null_if_empty(e.error_message));
        p.emplace_back(null_if_empty(e.detail));
        p.emplace_back(e.webhook_event_id ? Value(e.webhook_event_id) : Value(nullptr));
      }
      c.exec(insert_events_sql(n), p);
    });
    events.clear();
  }

  // A write transaction's status work: each message is read (and on PostgreSQL locked) once,
  // transitions apply to that in-memory state, and the changed rows and all event rows are
  // written together at the end (flush).
  struct TxEntry {
    Message m;          // kStateColumns only unless `full`
    bool full = false;
    bool dirty = false;
  };
  struct TxWork {
    std::unordered_map<std::string, size_t> by_id;
    std::unordered_map<std::string, size_t> by_provider;  // connector '\n' provider id
    std::vector<TxEntry> entries;
    std::vector<MessageEvent> events;
  };

  // Row locks are taken in id order, so two concurrent batches cannot deadlock; results still
  // come back in input order.
  static std::vector<size_t> lock_order(const std::vector<Transition>& ts) {
    std::vector<size_t> order(ts.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return ts[a].message_id < ts[b].message_id; });
    return order;
  }

  static Transition report_transition(const std::string& message_id, const ProviderStatus& rep) {
    Transition t;
    t.message_id = message_id;
    t.to = rep.status;
    t.at = rep.at;
    t.provider_status = rep.provider_status;
    t.error_code = rep.error_code;
    t.error_message = rep.error_message;
    return t;
  }

  const std::string& by_id_sql(bool full) const {
    // Lock the row: without it a concurrent transition (a webhook's `delivered` racing the
    // dispatcher's `sent`) is checked against a stale status and then overwritten.
    static const std::string f = select_messages_sql() + " WHERE id = $1";
    static const std::string f_pg = f + " FOR UPDATE";
    static const std::string n =
        "SELECT " + std::string(kStateColumns) + " FROM messages WHERE id = $1";
    static const std::string n_pg = n + " FOR UPDATE";
    return full ? (pg() ? f_pg : f) : (pg() ? n_pg : n);
  }

  const std::string& by_provider_sql(bool full) const {
    static const std::string f =
        select_messages_sql() + " WHERE connector_id = $1 AND provider_message_id = $2";
    static const std::string f_pg = f + " FOR UPDATE";
    static const std::string n = "SELECT " + std::string(kStateColumns) +
                                 " FROM messages WHERE connector_id = $1 AND "
                                 "provider_message_id = $2";
    static const std::string n_pg = n + " FOR UPDATE";
    return full ? (pg() ? f_pg : f) : (pg() ? n_pg : n);
  }

  TxEntry& remember(TxWork& w, const Row& row, bool full) {
    const std::string id = row.str(0);
    if (auto it = w.by_id.find(id); it != w.by_id.end()) return w.entries[it->second];
    w.by_id.emplace(id, w.entries.size());
    w.entries.push_back({full ? row_to_message(row) : row_to_state(row), full, false});
    return w.entries.back();
  }

  // The whole row under this transaction's changes so far (for a callback payload or a result).
  void make_full(Connection& c, TxEntry& e) {
    if (e.full) return;
    static const std::string sql = select_messages_sql() + " WHERE id = $1";
    auto rows = c.query(sql, {e.m.id});  // already locked by load()
    if (rows.empty()) throw DbError("message " + e.m.id + " vanished inside a transaction");
    Message full = row_to_message(rows[0]);
    merge_state(full, e.m);
    e.m = std::move(full);
    e.full = true;
  }

  TxEntry* load(Connection& c, TxWork& w, const std::string& id, bool full) {
    if (auto it = w.by_id.find(id); it != w.by_id.end()) {
      TxEntry& e = w.entries[it->second];
      if (full) make_full(c, e);
      return &e;
    }
    auto rows = c.query(by_id_sql(full), {id});
    if (rows.empty()) return nullptr;
    return &remember(w, rows[0], full);
  }

  TxEntry* load_by_provider(Connection& c, TxWork& w, const ProviderStatus& rep, bool full) {
    std::string key = rep.connector + '\n' + rep.provider_message_id;
    if (auto it = w.by_provider.find(key); it != w.by_provider.end()) {
      TxEntry& e = w.entries[it->second];
      if (full) make_full(c, e);
      return &e;
    }
    auto rows = c.query(by_provider_sql(full), {rep.connector, rep.provider_message_id});
    if (rows.empty()) return nullptr;
    TxEntry& e = remember(w, rows[0], full);
    if (full) make_full(c, e);  // when the entry was remembered narrow from an earlier load
    w.by_provider.emplace(std::move(key), static_cast<size_t>(&e - w.entries.data()));
    return &e;
  }

  struct StepOutcome {
    bool applied = false;
    bool callback_queued = false;
  };

  // Applies one transition to the entry's in-memory state: the event row is queued either way,
  // a status callback delivery is inserted at once; the row itself is written by flush().
  StepOutcome transition(Connection& c, TxWork& w, TxEntry& entry, const Transition& t) {
    Message& m = entry.m;
    const Status previous = m.status;
    const bool expected = !t.expect || *t.expect == m.status;
    StepOutcome out;
    out.applied = expected && can_transition(m.status, t.to);

    MessageEvent e;
    e.message_id = m.id;
    e.status = t.to;
    e.at = t.at;
    e.applied = out.applied;
    e.provider_status = t.provider_status;
    e.error_code = t.error_code;
    e.error_message = t.error_message;
    e.detail = t.detail;
    if (!out.applied && e.detail.empty()) {
      e.detail = m.status == t.to ? "duplicate report; status unchanged"
                                  : "not applied: message is already " +
                                        std::string(to_string(m.status));
    }
    e.webhook_event_id = t.webhook_event_id;
    w.events.push_back(std::move(e));
    if (!out.applied) return out;

    m.status = t.to;
    m.updated_at = t.at;
    if (!t.error_code.empty() || !t.error_message.empty()) {
      m.error_code = t.error_code;
      m.error_message = t.error_message;
    }
    if (t.provider_message_id) m.provider_message_id = *t.provider_message_id;
    if (t.connector) m.connector = *t.connector;
    if (t.attempts) m.attempts = *t.attempts;
    if (t.deferred_until) {  // quiet hours (v5); not one of the narrow state columns
      m.deferred_until = t.deferred_until;
      c.exec("UPDATE messages SET deferred_until = $1 WHERE id = $2", {*t.deferred_until, m.id});
    }
    const bool in_outbox = t.to == Status::kQueued || t.to == Status::kSending;
    m.next_attempt_at = in_outbox ? t.next_attempt_at.value_or(t.at) : 0;
    entry.dirty = true;

    if (!m.status_callback.empty() && !t.quiet) {
      make_full(c, entry);
      const Message& full = entry.m;
      nlohmann::json payload = {{"type", "message.status"},
                                {"status", to_string(full.status)},
                                {"previous_status", to_string(previous)},
                                {"at", format_rfc3339(t.at)},
                                {"message", to_json(full)}};
      c.exec(
          "INSERT INTO deliveries (id, account_id, message_id, kind, url, payload, state, "
          "attempts, next_attempt_at, created_at, updated_at) "
          "VALUES ($1, $2, $3, 'status_callback', $4, $5, 'pending', 0, $6, $6, $6)",
          {new_id("dlv_", t.at), full.account, full.id, full.status_callback, payload.dump(),
           t.at});
      out.callback_queued = true;
    }
    return out;
  }

  // Writes each changed message once (its final state in this transaction) and all event rows.
  void flush(Connection& c, TxWork& w) {
    for (const TxEntry& e : w.entries) {
      if (!e.dirty) continue;
      const Message& m = e.m;
      const bool in_outbox = m.status == Status::kQueued || m.status == Status::kSending;
      c.exec(
          "UPDATE messages SET status = $1, updated_at = $2, error_code = $3, error_message = $4, "
          "provider_message_id = $5, connector_id = $6, next_attempt_at = $7, attempts = $8 "
          "WHERE id = $9",
          {std::string(to_string(m.status)), m.updated_at, null_if_empty(m.error_code),
           null_if_empty(m.error_message), null_if_empty(m.provider_message_id),
           null_if_empty(m.connector), in_outbox ? Value(m.next_attempt_at) : Value(nullptr),
           int64_t{m.attempts}, m.id});
    }
    insert_events(c, w.events);
  }

  std::unique_ptr<Driver> db_;
  const Clock& clock_;
};

}  // namespace

std::string contact_name_key(std::string_view name) {
  std::string key(name);
  for (char& ch : key) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return key;
}

std::unique_ptr<Store> make_store(std::unique_ptr<Driver> driver, const Clock& clock) {
  return std::make_unique<SqlStore>(std::move(driver), clock);
}

Result<std::unique_ptr<Store>> open_store(const std::string& url, const Clock& clock) {
  try {
    if (url.rfind("sqlite://", 0) == 0) {
      std::string path = url.substr(9);
      if (path.empty()) return Error::make("invalid_database_url", "sqlite URL has no path");
      return make_store(make_sqlite_driver(path), clock);
    }
    if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
      return make_store(make_postgres_driver(url, 8), clock);
    }
    return Error::make("invalid_database_url",
                       "database url must start with sqlite:// or postgresql://");
  } catch (const std::exception& e) {
    return Error::make("database_unavailable", e.what());
  }
}

}  // namespace sb::store
