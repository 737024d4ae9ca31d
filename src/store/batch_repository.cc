// Batches, their chunks and failed rows, and their messages as a whole (see batch_repository.h).
#include "store/batch_repository.h"

#include "store/sql_context.h"
#include "store/sql_repositories.h"
#include "store/sql_rows.h"

namespace sb::store {
namespace {

constexpr std::string_view kBatchColumns =
    "id, account_id, status, spec, total, chunks, next_chunk, invalid, opted_out, duplicates, "
    "paused_from, created_at, updated_at, finished_at";

// Where a held message waits: far beyond any real time, so no claim reaches it.
constexpr TimeMs kHeldUntil = int64_t{1} << 62;

Batch row_to_batch(const Row& r) {
  Batch b;
  b.id = r.str(0);
  b.account = r.str(1);
  b.status = r.str(2);
  auto spec = batch_spec_from_json(r.str(3));
  if (!spec) throw DbError(spec.error().message);
  b.spec = std::move(*spec);
  b.total = r.i64(4);
  b.chunks = static_cast<int>(r.i64(5));
  b.next_chunk = static_cast<int>(r.i64(6));
  b.skips = {r.i64(7), r.i64(8), r.i64(9)};
  b.paused_from = r.str(10);
  b.created_at = r.i64(11);
  b.updated_at = r.i64(12);
  b.finished_at = r.opt_i64(13);
  return b;
}

std::optional<Batch> one_batch(Connection& c, const std::string& where, const Params& p) {
  auto rows = c.query("SELECT " + std::string(kBatchColumns) + " FROM batches WHERE " + where, p);
  if (rows.empty()) return std::nullopt;
  return row_to_batch(rows[0]);
}

class SqlBatchRepository final : public BatchRepository {
 public:
  explicit SqlBatchRepository(SqlContext& ctx) : ctx_(ctx) {}

  Result<void> begin_upload(const Batch& b) override {
    return ctx_.write_tx(
        [&](Connection& c) {
          c.exec("INSERT INTO batches (" + std::string(kBatchColumns) +
                     ") VALUES ($1, $2, 'uploading', $3, 0, 0, 0, 0, 0, 0, NULL, $4, $4, NULL)",
                 {b.id, b.account, batch_spec_to_json(b.spec), b.created_at});
        },
        /*durable=*/false);
  }

  Result<void> add_chunk(const std::string& batch_id, int seq,
                         const std::string& rows_json) override {
    return ctx_.write_tx(
        [&](Connection& c) {
          c.exec("INSERT INTO batch_chunks (batch_id, seq, rows_json) VALUES ($1, $2, $3)",
                 {batch_id, int64_t{seq}, rows_json});
        },
        /*durable=*/false);
  }

  Result<void> finish_upload(const std::string& batch_id, int64_t total, int chunks,
                             const std::string& status, TimeMs now) override {
    // Durable: the sync covers the chunks committed before it too (WAL order on both drivers).
    return ctx_.write_tx([&](Connection& c) {
      c.exec(
          "UPDATE batches SET status = $1, total = $2, chunks = $3, updated_at = $4 "
          "WHERE id = $5 AND status = 'uploading'",
          {status, total, int64_t{chunks}, now, batch_id});
    });
  }

  Result<void> discard_upload(const std::string& batch_id) override {
    return ctx_.write_tx([&](Connection& c) { delete_batch(c, batch_id); }, /*durable=*/false);
  }

  Result<int> discard_stale_uploads(TimeMs created_before) override {
    return ctx_.write_tx(
        [&](Connection& c) {
          auto rows =
              c.query("SELECT id FROM batches WHERE status = 'uploading' AND created_at < $1",
                      {created_before});
          for (const auto& r : rows) delete_batch(c, r.str(0));
          return static_cast<int>(rows.size());
        },
        /*durable=*/false);
  }

  Result<std::optional<Batch>> get(const std::string& account, const std::string& id) override {
    return ctx_.read([&](Connection& c) {
      return one_batch(c, "id = $1 AND account_id = $2 AND status <> 'uploading'", {id, account});
    });
  }

  Result<std::vector<Batch>> list(const std::string& account, const std::string& before,
                                  int limit) override {
    return ctx_.read([&](Connection& c) {
      std::string sql = "SELECT " + std::string(kBatchColumns) +
                        " FROM batches WHERE account_id = $1 AND status <> 'uploading'";
      Params p{account};
      if (!before.empty()) add_condition(sql, p, "id <", before);
      p.emplace_back(int64_t{limit});
      sql += " ORDER BY id DESC LIMIT $" + std::to_string(p.size());
      std::vector<Batch> out;
      for (const auto& r : c.query(sql, p)) out.push_back(row_to_batch(r));
      return out;
    });
  }

  Result<std::optional<Batch>> claim(const std::string& owner, TimeMs now,
                                     int64_t lease_ms) override {
    static const std::string probe =
        "SELECT 1 FROM batches WHERE status = 'materializing' AND "
        "(lease_until IS NULL OR lease_until <= $1) LIMIT 1";
    if (!ctx_.due_exists(probe, now)) return std::optional<Batch>();
    return ctx_.write_tx(
        [&](Connection& c) -> std::optional<Batch> {
          std::string sql = "SELECT " + std::string(kBatchColumns) +
                            " FROM batches WHERE status = 'materializing' AND "
                            "(lease_until IS NULL OR lease_until <= $1) ORDER BY id LIMIT 1";
          if (ctx_.pg()) sql += " FOR UPDATE SKIP LOCKED";
          auto rows = c.query(sql, {now});
          if (rows.empty()) return std::nullopt;
          Batch b = row_to_batch(rows[0]);
          c.exec("UPDATE batches SET lease_owner = $1, lease_until = $2 WHERE id = $3",
                 {owner, now + lease_ms, b.id});
          return b;
        },
        /*durable=*/false);
  }

  Result<std::string> chunk(const std::string& batch_id, int seq) override {
    return ctx_.read([&](Connection& c) {
      auto rows = c.query("SELECT rows_json FROM batch_chunks WHERE batch_id = $1 AND seq = $2",
                          {batch_id, int64_t{seq}});
      if (rows.empty()) throw DbError("batch " + batch_id + " has no chunk " + std::to_string(seq));
      return rows[0].str(0);
    });
  }

  Result<bool> advance(const std::string& batch_id, const std::string& owner, int seq,
                       const BatchSkips& skips, const std::vector<BatchError>& errors, TimeMs now,
                       int64_t lease_ms) override {
    return ctx_.write_tx([&](Connection& c) {
      auto moved = c.query(
          "UPDATE batches SET next_chunk = next_chunk + 1, invalid = invalid + $1, "
          "opted_out = opted_out + $2, duplicates = duplicates + $3, updated_at = $4, "
          "lease_until = $5, status = CASE WHEN next_chunk + 1 >= chunks THEN 'sending' "
          "ELSE status END WHERE id = $6 AND next_chunk = $7 AND lease_owner = $8 AND "
          "status = 'materializing' RETURNING id",
          {skips.invalid, skips.opted_out, skips.duplicates, now, now + lease_ms, batch_id,
           int64_t{seq}, owner});
      if (moved.empty()) return false;
      for (const auto& e : errors) {
        c.exec(
            "INSERT INTO batch_errors (batch_id, row_number, field, code, message) "
            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (batch_id, row_number) DO NOTHING",
            {batch_id, e.row, e.field, e.code, e.message});
      }
      return true;
    });
  }

  Result<std::vector<BatchError>> errors(const std::string& batch_id, int64_t after_row,
                                         int limit) override {
    return ctx_.read([&](Connection& c) {
      std::vector<BatchError> out;
      for (const auto& r :
           c.query("SELECT row_number, field, code, message FROM batch_errors WHERE batch_id = $1 "
                   "AND row_number > $2 ORDER BY row_number LIMIT $3",
                   {batch_id, after_row, int64_t{limit}})) {
        out.push_back({r.i64(0), r.str(1), r.str(2), r.str(3)});
      }
      return out;
    });
  }

  Result<std::map<std::string, int64_t>> message_counts(const std::string& batch_id) override {
    return ctx_.read([&](Connection& c) {
      std::map<std::string, int64_t> out;
      for (const auto& r : c.query("SELECT status, COUNT(*) FROM " + std::string(kMessagesFrom) +
                                       " WHERE batch_id = $1 GROUP BY status",
                                   {batch_id})) {
        out[r.str(0)] = r.i64(1);
      }
      return out;
    });
  }

  Result<std::vector<std::pair<std::string, std::string>>> recipients(
      const std::string& batch_id) override {
    return ctx_.read([&](Connection& c) {
      std::vector<std::pair<std::string, std::string>> out;
      for (const auto& r : c.query(
               "SELECT to_addr, idempotency_key FROM messages WHERE batch_id = $1", {batch_id})) {
        out.emplace_back(r.str(0), r.str(1));
      }
      return out;
    });
  }

  Result<std::optional<Batch>> set_status(const std::string& account, const std::string& id,
                                          const std::vector<std::string>& from,
                                          const std::string& to, TimeMs now) override {
    return ctx_.write_tx([&](Connection& c) -> std::optional<Batch> {
      auto b = one_batch(c, "id = $1 AND account_id = $2 AND status <> 'uploading'", {id, account});
      if (!b) return std::nullopt;
      if (std::find(from.begin(), from.end(), b->status) == from.end()) return b;
      const std::string paused_from = to == "paused" ? b->status : "";
      // Whoever held the lease stops at its next advance (the status no longer matches).
      c.exec(
          "UPDATE batches SET status = $1, paused_from = $2, updated_at = $3, "
          "lease_owner = NULL, lease_until = NULL WHERE id = $4",
          {to, null_if_empty(paused_from), now, id});
      b->status = to;
      b->paused_from = paused_from;
      b->updated_at = now;
      return b;
    });
  }

  Result<int64_t> hold_messages(const std::string& batch_id) override {
    return ctx_.write_tx([&](Connection& c) {
      return static_cast<int64_t>(
          c.query("UPDATE message_states SET next_attempt_at = $1 WHERE message_id IN "
                  "(SELECT id FROM messages WHERE batch_id = $2) AND "
                  "status IN ('queued', 'scheduled') RETURNING message_id",
                  {kHeldUntil, batch_id})
              .size());
    });
  }

  Result<int64_t> release_messages(const std::string& batch_id, TimeMs now) override {
    return ctx_.write_tx([&](Connection& c) {
      return static_cast<int64_t>(
          c.query("UPDATE message_states SET next_attempt_at = CASE WHEN m.send_at IS NOT NULL "
                  "AND m.send_at > $1 THEN m.send_at ELSE $1 END FROM messages m "
                  "WHERE m.id = message_states.message_id AND m.batch_id = $2 AND "
                  "message_states.status IN ('queued', 'scheduled') AND "
                  "message_states.next_attempt_at = $3 RETURNING message_states.message_id",
                  {now, batch_id, kHeldUntil})
              .size());
    });
  }

  Result<std::vector<Message>> unsent_messages(const std::string& batch_id, int limit) override {
    return ctx_.read([&](Connection& c) {
      std::vector<Message> out;
      for (const auto& r :
           c.query(select_messages_sql() + " WHERE batch_id = $1 AND status IN ('queued', "
                                           "'scheduled') LIMIT $2",
                   {batch_id, int64_t{limit}})) {
        out.push_back(row_to_message(r));
      }
      return out;
    });
  }

  Result<std::vector<Batch>> in_status(const std::vector<std::string>& statuses,
                                       int limit) override {
    return ctx_.read([&](Connection& c) {
      std::string sql = "SELECT " + std::string(kBatchColumns) + " FROM batches WHERE status IN (";
      Params p;
      for (const auto& s : statuses) {
        p.emplace_back(s);
        sql += (p.size() > 1 ? ", $" : "$") + std::to_string(p.size());
      }
      p.emplace_back(int64_t{limit});
      sql += ") ORDER BY id LIMIT $" + std::to_string(p.size());
      std::vector<Batch> out;
      for (const auto& r : c.query(sql, p)) out.push_back(row_to_batch(r));
      return out;
    });
  }

  Result<void> add_event(const Batch& b, const std::string& type, TimeMs at,
                         const std::string& data) override {
    return ctx_.write_tx(
        [&](Connection& c) {
          c.exec(
              "INSERT INTO batch_events (batch_id, account_id, type, at, data) "
              "VALUES ($1, $2, $3, $4, $5)",
              {b.id, b.account, type, at, data});
        },
        /*durable=*/false);
  }

  Result<bool> finish(const std::string& batch_id, const std::string& from, const std::string& to,
                      TimeMs now) override {
    return ctx_.write_tx([&](Connection& c) {
      return !c.query(
                   "UPDATE batches SET status = $1, finished_at = $2, updated_at = $2 "
                   "WHERE id = $3 AND status = $4 RETURNING id",
                   {to, now, batch_id, from})
                  .empty();
    });
  }

 private:
  static void delete_batch(Connection& c, const std::string& id) {
    c.exec("DELETE FROM batch_chunks WHERE batch_id = $1", {id});
    c.exec("DELETE FROM batch_errors WHERE batch_id = $1", {id});
    c.exec("DELETE FROM batches WHERE id = $1", {id});
  }

  SqlContext& ctx_;
};

}  // namespace

std::unique_ptr<BatchRepository> make_sql_batch_repository(SqlContext& ctx) {
  return std::make_unique<SqlBatchRepository>(ctx);
}

}  // namespace sb::store
