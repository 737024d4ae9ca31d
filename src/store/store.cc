// The store's composition: the SQL context, the repositories over it, migrations, opening a URL.
#include "store/store.h"

#include <spdlog/spdlog.h>

#include "store/db.h"
#include "store/migrations.h"
#include "store/sql_context.h"
#include "store/sql_repositories.h"

namespace sb::store {

Store::Store(std::unique_ptr<Driver> driver, const Clock& clock)
    : ctx_(std::make_unique<SqlContext>(std::move(driver), clock)),
      messages_(make_sql_message_repository(*ctx_)),
      status_(make_sql_status_repository(*ctx_)),
      webhooks_(make_sql_webhook_repository(*ctx_)),
      conversations_(make_sql_conversation_repository(*ctx_)),
      compliance_(make_sql_compliance_repository(*ctx_)),
      verifications_(make_sql_verification_repository(*ctx_)),
      deliveries_(make_sql_delivery_repository(*ctx_)),
      media_(make_sql_media_repository(*ctx_)),
      accounts_(make_sql_account_repository(*ctx_)),
      events_(make_sql_event_repository(*ctx_)),
      users_(make_sql_user_repository(*ctx_)),
      pools_(make_sql_pool_repository(*ctx_)),
      batches_(make_sql_batch_repository(*ctx_)),
      cluster_(make_sql_cluster_repository(*ctx_)) {}

// The repositories go before the context they use.
Store::~Store() = default;

Result<int> Store::migrate(int up_to) {
  Driver& db = ctx_->driver();
  const bool pg = ctx_->pg();
  try {
    auto c = db.writer();
    // Under the same lock as the migrations: concurrent CREATE TABLE IF NOT EXISTS on
    // PostgreSQL can fail on the catalog's unique index when instances start together.
    c->exec(db.begin_write_sql());
    try {
      if (pg) c->exec("SELECT pg_advisory_xact_lock(7262001)");
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
      if (m.version > up_to) break;
      c->exec(db.begin_write_sql());
      try {
        if (pg) c->exec("SELECT pg_advisory_xact_lock(7262001)");
        auto rows =
            c->query("SELECT 1 FROM schema_migrations WHERE version = $1", {int64_t{m.version}});
        if (rows.empty()) {
          std::string sql(m.sql);
          // Plain replace, not std::regex: GCC 12 -O3 + sanitizers warns inside <regex>.
          const auto spell = [&sql](std::string_view word, const std::string& as) {
            for (size_t at = sql.find(word); at != std::string::npos;
                 at = sql.find(word, at + as.size())) {
              sql.replace(at, word.size(), as);
            }
          };
          spell("{{autoid}}", pg ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT");
          // A table keyed by a text id with small rows: one b-tree on SQLite, not a rowid
          // table and an index on the key.
          spell("{{without_rowid}}", pg ? "" : " WITHOUT ROWID");
          c->exec_script(sql);
          c->exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                  {int64_t{m.version}, std::string(m.name), ctx_->clock().now_ms()});
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

int Store::schema_version() {
  try {
    auto c = ctx_->driver().reader();
    auto rows = c->query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    return rows.empty() ? 0 : static_cast<int>(rows[0].i64(0));
  } catch (const std::exception&) {
    return 0;  // no schema yet
  }
}

void Store::set_commit_listener(std::function<void()> fn) {
  ctx_->set_commit_listener(std::move(fn));
}

Result<void> Store::ping() {
  try {
    auto c = ctx_->driver().reader();
    c->query("SELECT 1");
    return Ok();
  } catch (const std::exception& e) {
    return Error::make("database_unavailable", e.what());
  }
}

std::unique_ptr<Store> make_store(std::unique_ptr<Driver> driver, const Clock& clock) {
  return std::make_unique<Store>(std::move(driver), clock);
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
