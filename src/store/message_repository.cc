// MessageRepository over the SQL context: message rows, the outbox's claims, redaction.
#include "store/message_repository.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <utility>

#include "core/message_json.h"
#include "store/migrations.h"
#include "store/sql_context.h"
#include "store/sql_repositories.h"
#include "store/sql_rows.h"
#include "store/sql_threads.h"
#include "store/sql_transitions.h"

namespace sb::store {
namespace {

// How long an insert whose COMMIT lost its connection waits for the database to say whether it
// was stored (settle_unknown_commit): long enough for a PostgreSQL restart.
constexpr std::chrono::seconds kSettleUnknownCommit{10};

// our side of a message (index messages_our_number uses this exact expression).
constexpr std::string_view kOurNumberExpr =
    "(CASE WHEN direction = 'outbound' THEN from_addr ELSE to_addr END) =";

const std::string& claim_update_sql(size_t n) {
  static const ChunkedSql sql([](size_t k) {
    std::string in;
    for (size_t i = 0; i < k; ++i) {
      in += i ? ", $" : "$";
      in += std::to_string(4 + i);
    }
    return "UPDATE message_states SET status = 'sending', attempts = attempts + 1, "
           "next_attempt_at = $1, lease_owner = $2, updated_at = $3 WHERE message_id IN (" +
           in + ")";
  });
  return sql(n);
}

// Sender pools that keep each recipient's sender: the message's `from` becomes (or stays) the
// recipient's sender in its pool, in the transaction that stores the message.
void record_pool_senders(Connection& c, const std::vector<const Message*>& created) {
  static const ChunkedSql sql([](size_t k) {
    return "INSERT INTO pool_senders (pool_id, recipient, number, updated_at) VALUES " +
           placeholders(k, 4) +
           " ON CONFLICT (pool_id, recipient) DO UPDATE SET number = excluded.number, "
           "updated_at = excluded.updated_at";
  });
  // One row per (pool, recipient) per statement: the last message of the batch wins.
  std::map<std::pair<std::string_view, std::string_view>, const Message*> latest;
  for (const Message* m : created) {
    if (m->pool_sticky && !m->pool.empty()) latest[{m->pool, m->to}] = m;
  }
  std::vector<const Message*> rows;
  rows.reserve(latest.size());
  for (const auto& [_, m] : latest) rows.push_back(m);
  for_chunks(rows.size(), [&](size_t from, size_t n) {
    Params p;
    p.reserve(4 * n);
    for (size_t i = from; i < from + n; ++i) {
      p.emplace_back(rows[i]->pool);
      p.emplace_back(rows[i]->to);
      p.emplace_back(rows[i]->from);
      p.emplace_back(rows[i]->created_at);
    }
    c.exec(sql(n), p);
  });
}

class SqlMessageRepository final : public MessageRepository {
 public:
  explicit SqlMessageRepository(SqlContext& ctx) : ctx_(ctx) {}

  using MessageRepository::insert;
  Result<std::vector<InsertResult>> insert(std::vector<NewMessage>& batch, Commit commit) override {
    using TxSync = SqlContext::TxSync;
    std::vector<InsertResult> out;
    std::string probe;  // a row this transaction creates: stored iff the commit took effect
    auto written = ctx_.write_tx_as(
        commit == Commit::kDeferred ? TxSync::kDeferred : TxSync::kDurable, [&](Connection& c) {
          out.clear();
          probe.clear();
          out.reserve(batch.size());
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
              if (auto it = seen.find(key); it != seen.end()) {
                const Message& earlier = out[it->second].message;
                out.push_back({earlier.request_hash == m.request_hash ? InsertKind::kDuplicate
                                                                      : InsertKind::kConflict,
                               earlier});
                continue;
              }
              // Inserted unless the key exists (stored earlier, or committed meanwhile by another
              // transaction on PostgreSQL); only then is the earlier row read. A new key, the usual
              // case (and every row of a batch the first time), costs no read.
              assign_conversation(m, joinable);
              if (!insert_message_row(c, m)) {
                auto existing = by_idempotency_key(c, m);
                if (!existing) throw DbError("idempotency key conflict without a visible row");
                out.push_back({existing->request_hash == m.request_hash ? InsertKind::kDuplicate
                                                                        : InsertKind::kConflict,
                               std::move(*existing)});
                continue;
              }
              seen.emplace(key, out.size());
            } else {
              assign_conversation(m, joinable);
              bulk.push_back(&m);
            }
            for (const auto& e : nm.events) {
              events.push_back(e);
              events.back().message_id = m.id;
              events.back().account = m.account;
            }
            created.push_back(&m);
            out.push_back({InsertKind::kCreated, m});
          }
          insert_messages(c, bulk);
          insert_events(c, events);
          thread_messages(c, created);
          record_pool_senders(c, created);
          if (!created.empty()) probe = created.front()->id;
        });
    if (written) return out;
    if (written.error().code != "commit_unknown") return written.error();
    // Nothing new was written (only idempotent replays): the answers stand either way.
    if (probe.empty()) return out;
    return settle_unknown_commit(probe, std::move(out), written.error());
  }

  // The connection died while COMMIT ran (a PostgreSQL server stopping): the rows may be stored.
  // Answering "not stored" would make a client's retry create a second message, so ask again
  // until the server answers (a restart takes seconds), up to kSettleUnknownCommit: the first new
  // row present means the transaction committed; absent, nothing was stored. No answer in time:
  // commit_unknown (503), which says so (a retry with the same Idempotency-Key is safe).
  Result<std::vector<InsertResult>> settle_unknown_commit(const std::string& probe,
                                                          std::vector<InsertResult> out,
                                                          const Error& unknown) {
    spdlog::warn(
        "store: the connection was lost while committing message {}; asking whether it "
        "was stored",
        probe);
    const auto deadline = std::chrono::steady_clock::now() + kSettleUnknownCommit;
    while (true) {
      auto found = ctx_.read([&](Connection& c) {
        return !c.query("SELECT 1 FROM messages WHERE id = $1", {probe}).empty();
      });
      if (found) {
        spdlog::warn("store: message {} {}", probe,
                     *found ? "was stored: answered as accepted" : "was not stored");
        if (*found) return out;
        return Error::make("database_unavailable",
                           "the database connection was lost before the commit; nothing stored");
      }
      if (std::chrono::steady_clock::now() >= deadline) return unknown;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }

  void sync_deferred() override { ctx_.sync_deferred(); }

  Result<std::optional<Message>> get(const std::string& account, const std::string& id) override {
    return ctx_.read([&](Connection& c) -> std::optional<Message> {
      auto rows =
          c.query(select_messages_sql() + " WHERE id = $1 AND account_id = $2", {id, account});
      if (rows.empty()) return std::nullopt;
      std::vector<Message> one{row_to_message(rows[0])};
      attach_media(c, one);
      return std::move(one.front());
    });
  }

  Result<std::vector<Message>> list(const MessageFilter& f) override {
    std::string sql = select_messages_sql() + " WHERE account_id = $1";
    Params p{f.account};
    const auto add = [&](std::string_view cond, Value v) {
      add_condition(sql, p, cond, std::move(v));
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
    return ctx_.read([&](Connection& c) {
      std::vector<Message> out;
      auto rows = c.query(sql, p);
      out.reserve(rows.size());
      for (const auto& r : rows) out.push_back(row_to_message(r));
      attach_media(c, out);
      return out;
    });
  }

  Result<std::map<std::string, int64_t>> count_by_status(const std::string& account) override {
    return ctx_.read([&](Connection& c) {
      std::map<std::string, int64_t> out;
      for (const auto& r : c.query("SELECT status, COUNT(*) FROM " + std::string(kMessagesFrom) +
                                       " WHERE account_id = $1 GROUP BY status",
                                   {account})) {
        out[r.str(0)] = r.i64(1);
      }
      return out;
    });
  }

  Result<std::vector<Message>> claim_due(const std::string& owner, TimeMs now, int64_t lease_ms,
                                         int limit) override {
    auto r = claim(owner, now, lease_ms, limit, /*with_opt_outs=*/false);
    if (!r) return r.error();
    return std::move(r->messages);
  }

  Result<Claim> claim_due_with_opt_outs(const std::string& owner, TimeMs now, int64_t lease_ms,
                                        int limit) override {
    return claim(owner, now, lease_ms, limit, /*with_opt_outs=*/true);
  }

  Result<Claim> claim(const std::string& owner, TimeMs now, int64_t lease_ms, int limit,
                      bool with_opt_outs) {
    // Idle workers poll: look before taking the (single, on SQLite) write lock.
    static const std::string probe = "SELECT 1 FROM message_states WHERE " +
                                     std::string(kOutboxStatuses) +
                                     " AND next_attempt_at <= $1 LIMIT 1";
    if (!ctx_.due_exists(probe, now)) {
      return Claim{};
    }
    auto r = ctx_.write_tx(
        [&](Connection& c) {
          Claim claim;
          std::vector<Message>& out = claim.messages;
          static const std::string sqlite_sql =
              select_messages_sql() + " WHERE " + std::string(kOutboxStatuses) +
              " AND next_attempt_at <= $1 "
              // id breaks ties in creation order (ids are monotonic): messages due in the same
              // millisecond, e.g. two sends in a row from one number, leave in the order accepted.
              // (message_id is the id, in the order of the outbox index's entries.)
              "ORDER BY next_attempt_at, message_id LIMIT $2";
          // Only the state rows are locked: a lock is a write to the row it takes.
          static const std::string pg_sql =
              sqlite_sql + " FOR UPDATE OF message_states SKIP LOCKED";
          auto rows = c.query(ctx_.pg() ? pg_sql : sqlite_sql, {now, int64_t{limit}});
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
            e.account = m.account;
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
          if (with_opt_outs && !out.empty()) {
            std::vector<std::string> to;
            to.reserve(out.size());
            for (const Message& m : out) to.push_back(m.to);
            claim.opt_outs = opt_outs_of(c, std::move(to));
          }
          return claim;
        },
        /*durable=*/ctx_.pg());
    // The claim must outlive a crash of the database before its messages leave: a claim lost
    // after the send makes the message a first attempt again, sent without asking the provider.
    // PostgreSQL: a synchronous commit (found by tests/faults/pg_restarts.py: `-m immediate`
    // lost asynchronously committed claims whose messages had been sent, and they went out
    // twice). SQLite: the relaxed commit survives the process, and a claimed message may have
    // been inserted by a deferred commit that is not on disk yet: it must be before anyone
    // sends it.
    if (r && !r->messages.empty()) ctx_.sync_deferred();
    return r;
  }

  Result<std::optional<TimeMs>> next_due() override {
    return ctx_.read([&](Connection& c) -> std::optional<TimeMs> {
      static const std::string sql =
          "SELECT MIN(next_attempt_at) FROM message_states WHERE " + std::string(kOutboxStatuses);
      auto rows = c.query(sql);
      if (rows.empty() || rows[0].is_null(0)) return std::nullopt;
      return rows[0].i64(0);
    });
  }

  Result<OutboxStats> outbox_stats(TimeMs now) override {
    return ctx_.read([&](Connection& c) {
      static const std::string sql =
          "SELECT "
          "SUM(CASE WHEN status = 'scheduled' AND next_attempt_at > $1 THEN 0 ELSE 1 END), "
          "MIN(CASE WHEN status = 'scheduled' AND next_attempt_at > $1 THEN NULL "
          "WHEN status = 'scheduled' THEN next_attempt_at ELSE created_at END), "
          "SUM(CASE WHEN status = 'scheduled' AND next_attempt_at > $1 THEN 1 ELSE 0 END) "
          "FROM " +
          std::string(kMessagesFrom) + " WHERE " + std::string(kOutboxStatuses);
      OutboxStats out;
      auto rows = c.query(sql, {now});
      if (rows.empty()) return out;
      if (!rows[0].is_null(0)) out.depth = rows[0].i64(0);
      if (!rows[0].is_null(1)) out.oldest = rows[0].i64(1);
      if (!rows[0].is_null(2)) out.scheduled = rows[0].i64(2);
      return out;
    });
  }

  Result<std::vector<Message>> list_stale(const std::string& connector, Status status, TimeMs after,
                                          TimeMs before, int limit) override {
    return ctx_.read([&](Connection& c) {
      std::vector<Message> out;
      // The status as a literal (one of a closed set): only then can the planner prove the
      // partial index message_states_in_flight (WHERE status = 'sent') applies.
      for (const auto& r :
           c.query(select_messages_sql() + " WHERE connector_id = $1 AND status = '" +
                       std::string(to_string(status)) +
                       "' AND direction = 'outbound' AND "
                       "updated_at >= $2 AND updated_at < $3 ORDER BY updated_at LIMIT $4",
                   {connector, after, before, int64_t{limit}})) {
        out.push_back(row_to_message(r));
      }
      return out;
    });
  }

  Result<RedactResult> redact(const std::string& account, const std::string& id,
                              TimeMs now) override {
    return ctx_.write_tx([&](Connection& c) -> RedactResult {
      TransitionWork w(c, ctx_.pg());
      TransitionWork::Entry* e = w.load(id, /*full=*/true);  // locked (PostgreSQL) until commit
      if (!e || e->m.account != account) return {};
      if (e->m.redaction) return {RedactOutcome::kAlreadyRedacted, e->m};
      if (e->m.status == Status::kSending) return {RedactOutcome::kInFlight, e->m};
      // Not handed to a provider yet: cancel, so the erased body is never sent.
      if (e->m.direction == Direction::kOutbound &&
          can_transition(e->m.status, Status::kCanceled)) {
        Transition t;
        t.message_id = id;
        t.to = Status::kCanceled;
        t.at = now;
        t.expect = e->m.status;
        t.detail = "canceled: redacted before it was sent";
        w.apply(*e, t);
        w.flush();
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
      ev.account = m.account;
      ev.type = "redacted";
      ev.status = m.status;
      ev.at = now;
      ev.applied = true;
      ev.detail = "body and media erased; provider copy: " + provider;
      insert_event(c, ev);
      return {RedactOutcome::kRedacted, m, std::move(orphaned)};
    });
  }

  Result<std::vector<std::pair<std::string, std::string>>> retention_candidates(
      const std::string& after_id, const std::string& before_id, int limit) override {
    return ctx_.read([&](Connection& c) {
      std::vector<std::pair<std::string, std::string>> out;
      for (const auto& r :
           c.query("SELECT account_id, id FROM " + std::string(kMessagesFrom) +
                       " WHERE id > $1 AND id < $2 "
                       "AND redacted_at IS NULL AND status IN ('sent', 'delivered', 'undelivered', "
                       "'failed', 'canceled', 'expired', 'received') ORDER BY id LIMIT $3",
                   {after_id, before_id, int64_t{limit}})) {
        out.emplace_back(r.str(0), r.str(1));
      }
      return out;
    });
  }

  Result<std::vector<RedactionJob>> claim_redactions(TimeMs now, int64_t lease_ms,
                                                     int limit) override {
    // Polled by a dispatcher worker each poll interval; the probe uses messages_redaction_due.
    return ctx_.claim_rows<RedactionJob>(
        "SELECT 1 FROM messages WHERE redaction_state = 'pending' AND redaction_next_at <= $1 "
        "LIMIT 1",
        "SELECT " + std::string(kMessageColumns) + ", " + std::string(kRedactionColumns) +
            ", redaction_attempts FROM " + std::string(kMessagesFrom) +
            " WHERE redaction_state = 'pending' "
            "AND redaction_next_at <= $1 ORDER BY redaction_next_at LIMIT $2",
        now, limit, /*durable=*/false, [&](Connection& c, const Row& row) {
          RedactionJob j{row_to_message(row), static_cast<int>(row.i64(36)) + 1};
          c.exec(
              "UPDATE messages SET redaction_attempts = $1, redaction_next_at = $2 WHERE id = $3",
              {int64_t{j.attempts}, now + lease_ms, j.message.id});
          return j;
        });
  }

  Result<void> finish_redaction(const std::string& id, const std::string& state,
                                const std::string& error, std::optional<TimeMs> retry_at,
                                TimeMs /*now*/) override {
    return ctx_.write_tx([&](Connection& c) {
      c.exec(
          "UPDATE messages SET redaction_state = $1, redaction_error = $2, redaction_next_at = $3 "
          "WHERE id = $4 AND redaction_state = 'pending'",
          {state, null_if_empty(error), opt(retry_at), id});
    });
  }

 private:
  // The message of m's (account, idempotency_key), if one is stored.
  static std::optional<Message> by_idempotency_key(Connection& c, const Message& m) {
    auto rows = c.query(select_messages_sql() + " WHERE account_id = $1 AND idempotency_key = $2",
                        {m.account, m.idempotency_key});
    if (rows.empty()) return std::nullopt;
    return row_to_message(rows[0]);
  }

  SqlContext& ctx_;
};

}  // namespace

std::unique_ptr<MessageRepository> make_sql_message_repository(SqlContext& ctx) {
  return std::make_unique<SqlMessageRepository>(ctx);
}

}  // namespace sb::store
