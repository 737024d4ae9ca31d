// MediaRepository over the SQL context.
#include "store/media_repository.h"

#include "store/sql_context.h"
#include "store/sql_repositories.h"
#include "store/sql_rows.h"

namespace sb::store {
namespace {

class SqlMediaRepository final : public MediaRepository {
 public:
  explicit SqlMediaRepository(SqlContext& ctx) : ctx_(ctx) {}

  Result<std::vector<MediaRecord>> claim(TimeMs now, int64_t lease_ms, int limit) override {
    return ctx_.claim_rows<MediaRecord>(
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

  Result<void> finish(const std::string& id, const MediaOutcome& o, TimeMs now) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec(
          "UPDATE media SET state = $1, sha256 = COALESCE($2, sha256), "
          "content_type = COALESCE($3, content_type), size = COALESCE($4, size), "
          "last_error = $5, next_attempt_at = COALESCE($6, next_attempt_at), updated_at = $7 "
          "WHERE id = $8",
          {o.state, null_if_empty(o.sha256), null_if_empty(o.content_type), opt(o.size),
           null_if_empty(o.error), opt(o.retry_at), now, id});
    });
  }

  Result<std::optional<MediaRecord>> get(const std::string& account,
                                         const std::string& id) override {
    return one(" WHERE id = $1 AND account_id = $2", {id, account});
  }

  Result<std::optional<MediaRecord>> get_by_id(const std::string& id) override {
    return one(" WHERE id = $1", {id});
  }

  Result<std::vector<MediaRecord>> list(const std::string& message_id) override {
    return ctx_.read([&](Connection& c) {
      std::vector<MediaRecord> out;
      for (const auto& r : c.query(
               std::string(kMediaSelect) + " WHERE message_id = $1 ORDER BY position",
               {message_id})) {
        out.push_back(row_to_media(r));
      }
      return out;
    });
  }

 private:
  Result<std::optional<MediaRecord>> one(std::string_view where, const Params& p) {
    return ctx_.read([&](Connection& c) -> std::optional<MediaRecord> {
      auto rows = c.query(std::string(kMediaSelect).append(where), p);
      if (rows.empty()) return std::nullopt;
      return row_to_media(rows[0]);
    });
  }

  SqlContext& ctx_;
};

}  // namespace

std::unique_ptr<MediaRepository> make_sql_media_repository(SqlContext& ctx) {
  return std::make_unique<SqlMediaRepository>(ctx);
}

}  // namespace sb::store
