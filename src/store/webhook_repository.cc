// WebhookRepository over the SQL context: the webhook inbox, inbound messages, unrouted ones,
// split-MMS parts.
#include "store/webhook_repository.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string_view>
#include <unordered_map>

#include "core/ids.h"
#include "store/sql_context.h"
#include "store/sql_repositories.h"
#include "store/sql_rows.h"
#include "store/sql_threads.h"
#include "store/sql_transitions.h"

namespace sb::store {
namespace {

// A buffered MMS part keeps the fields an inbound message needs.
nlohmann::json part_json(const Message& m) {
  return {{"id", m.id},
          {"account", m.account},
          {"from", m.from},
          {"to", m.to},
          {"body", m.body},
          {"media", media_json(m.media)},
          {"connector", m.connector},
          {"provider_message_id", m.provider_message_id},
          {"created_at", m.created_at}};
}

Message part_from_json(const nlohmann::json& j) {
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

// Stores a routed inbound message with its `received` event, threads it, and queues its forward;
// true when a forward was queued.
bool insert_inbound(Connection& c, Message& m, int64_t webhook_id) {
  assign_conversation(m);
  if (!insert_message_row(c, m)) throw DbError("inbound message id collision");
  insert_media_rows(c, m);  // media re-hosting (v11)
  MessageEvent e;
  e.message_id = m.id;
  e.account = m.account;
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
      "next_attempt_at, created_at, updated_at, method, format) "
      "SELECT $1, account_id, $2, 'forward', forward_url, '', 'pending', 0, "
      "CAST($3 AS BIGINT), CAST($3 AS BIGINT), CAST($3 AS BIGINT), "
      "COALESCE(forward_method, 'POST'), forward_format FROM numbers "
      "WHERE number = $4 AND account_id = $5 AND forward_url IS NOT NULL",
      {new_id("dlv_", m.created_at), m.id, m.created_at, m.to, m.account});
  return c.changes() > 0;
}

class SqlWebhookRepository final : public WebhookRepository {
 public:
  explicit SqlWebhookRepository(SqlContext& ctx) : ctx_(ctx) {}

  using WebhookRepository::ingest;
  Result<std::vector<WebhookIngestResult>> ingest(std::vector<WebhookIngest>& batch,
                                                  Commit commit) override {
    const auto sync =
        commit == Commit::kDurable ? SqlContext::TxSync::kDurable : SqlContext::TxSync::kDeferred;
    return ctx_.write_tx_as(sync, [&](Connection& c) {
      std::vector<WebhookIngestResult> results(batch.size());
      const std::vector<int64_t> ids = record_webhooks(c, batch);
      Reports reports;
      for (size_t i = 0; i < batch.size(); ++i) {
        if (ids[i] == 0) {
          results[i].duplicate = true;
          continue;
        }
        results[i] = ingest_one(c, batch[i], ids[i], i, reports);
      }
      if (reports.transitions.empty()) return results;
      // One that matches no message yet is kept as an orphan (match_orphans); the narrow apply,
      // as the simulated carrier's reports take: no webhook reads the whole message back.
      auto applied = apply_transitions(c, ctx_.pg(), reports.transitions,
                                       {.messages = false, .keep_orphans = reports.received_at});
      for (size_t k = 0; k < applied.size(); ++k) {
        results[reports.owner[k]].statuses.push_back(std::move(applied[k]));
      }
      return results;
    });
  }

  void sync_deferred() override { ctx_.sync_deferred(); }

  Result<int64_t> prune(TimeMs before) override {
    return ctx_.write_tx(
        [&](Connection& c) {
          c.exec(
              "UPDATE webhook_events SET payload = NULL WHERE received_at < $1 AND payload IS NOT "
              "NULL",
              {before});
          return c.changes();
        },
        /*durable=*/false);
  }

  Result<int64_t> count_unrouted() override {
    return ctx_.read([&](Connection& c) {
      auto rows = c.query("SELECT COUNT(*) FROM unrouted_inbound");
      return rows.empty() ? int64_t{0} : rows[0].i64(0);
    });
  }

  Result<std::vector<InboundPart>> list_parts() override {
    return ctx_.read([&](Connection& c) {
      std::vector<InboundPart> out;
      for (const auto& r :
           c.query("SELECT id, connector_id, part_key, text_part, payload, received_at, part_seq, "
                   "part_total FROM inbound_parts ORDER BY received_at, id")) {
        InboundPart p;
        p.id = r.i64(0);
        p.connector = r.str(1);
        p.key = r.str(2);
        p.text_part = r.i64(3) != 0;
        p.message = part_from_json(nlohmann::json::parse(r.str(4)));
        p.received_at = r.i64(5);
        p.seq = static_cast<int>(r.i64(6));
        p.total = static_cast<int>(r.i64(7));
        out.push_back(std::move(p));
      }
      return out;
    });
  }

  Result<bool> complete_part_group(const std::vector<int64_t>& part_ids,
                                   std::vector<Message>& messages) override {
    auto r = ctx_.write_tx([&](Connection& c) {
      for (int64_t id : part_ids) {
        // the parts' raw webhooks belong to the message now (a redaction erases them).
        if (!messages.empty()) {
          c.exec(
              "UPDATE webhook_events SET message_id = $1 WHERE id = "
              "(SELECT webhook_event_id FROM inbound_parts WHERE id = $2)",
              {messages.front().id, id});
        }
        c.exec("DELETE FROM inbound_parts WHERE id = $1", {id});
        if (c.changes() != 1) throw Rollback();  // another instance took the group
      }
      for (auto& m : messages) insert_inbound(c, m, 0);
    });
    if (!r) {
      if (r.error().code == "rolled_back") return false;
      return r.error();
    }
    return true;
  }

 private:
  // A batch's status reports, applied together once its webhooks are recorded.
  struct Reports {
    std::vector<Transition> transitions;
    std::vector<size_t> owner;  // per transition, its webhook's index in the batch
    TimeMs received_at = 0;     // the latest webhook's: when kept orphans were received
  };

  // Records the batch's webhooks in the inbox, a few multi-row statements for the whole batch;
  // returns each one's row id, or 0 for a duplicate (its (connector, dedupe_key) was seen
  // before, or earlier in this batch).
  static std::vector<int64_t> record_webhooks(Connection& c,
                                              const std::vector<WebhookIngest>& batch) {
    static const ChunkedSql sql([](size_t k) {
      return "INSERT INTO webhook_events (connector_id, dedupe_key, kind, event_type, message_id, "
             "received_at, content_type, payload) VALUES " +
             placeholders(k, 8) +
             " ON CONFLICT (connector_id, dedupe_key) DO NOTHING "
             "RETURNING id, connector_id, dedupe_key";
    });
    // Rows come back for the inserted webhooks only, in no promised order: matched by key.
    std::unordered_map<std::string, int64_t> inserted;
    const auto key = [](std::string_view connector, std::string_view dedupe_key) {
      std::string k;
      k.reserve(connector.size() + 1 + dedupe_key.size());
      k.append(connector).push_back('\n');
      k.append(dedupe_key);
      return k;
    };
    for_chunks(batch.size(), [&](size_t from, size_t n) {
      Params p;
      p.reserve(8 * n);
      for (size_t i = from; i < from + n; ++i) {
        const WebhookRecord& w = batch[i].webhook;
        const auto& inbound = batch[i].inbound;
        p.emplace_back(w.connector);
        p.emplace_back(w.dedupe_key);
        p.emplace_back(w.kind);
        p.emplace_back(null_if_empty(w.event_type));
        p.emplace_back(inbound ? Value(inbound->id) : Value(nullptr));
        p.emplace_back(w.received_at);
        p.emplace_back(null_if_empty(w.content_type));
        p.emplace_back(w.payload);
      }
      for (const auto& row : c.query(sql(n), p)) {
        inserted.emplace(key(row.str(1), row.str(2)), row.i64(0));
      }
    });
    // The first of several with one key was the one inserted; the others are duplicates.
    std::vector<int64_t> ids(batch.size(), 0);
    for (size_t i = 0; i < batch.size(); ++i) {
      auto it = inserted.find(key(batch[i].webhook.connector, batch[i].webhook.dedupe_key));
      if (it == inserted.end()) continue;
      ids[i] = it->second;
      inserted.erase(it);
    }
    return ids;
  }

  // One new webhook's effects inside a batch's transaction (`webhook_id`: its inbox row); its
  // status reports join `reports`.
  WebhookIngestResult ingest_one(Connection& c, WebhookIngest& in, int64_t webhook_id, size_t index,
                                 Reports& reports) {
    WebhookIngestResult out;
    const auto& w = in.webhook;
    if (in.inbound) {
      out.forward_queued = insert_inbound(c, *in.inbound, webhook_id);
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
    if (in.part) {
      const auto& p = *in.part;
      c.exec(
          "INSERT INTO inbound_parts (connector_id, part_key, text_part, payload, received_at, "
          "webhook_event_id, part_seq, part_total) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
          {w.connector, p.key, int64_t{p.text_part}, part_json(p.message).dump(), w.received_at,
           webhook_id, int64_t{p.seq}, int64_t{p.total}});
    }
    for (const auto& rep : in.statuses) {
      reports.transitions.push_back(Transition::from_report(rep));
      reports.transitions.back().webhook_event_id = webhook_id;
      reports.owner.push_back(index);
      reports.received_at = std::max(reports.received_at, w.received_at);
    }
    return out;
  }

  SqlContext& ctx_;
};

}  // namespace

std::unique_ptr<WebhookRepository> make_sql_webhook_repository(SqlContext& ctx) {
  return std::make_unique<SqlWebhookRepository>(ctx);
}

}  // namespace sb::store
