// The status state machine inside a write transaction (see sql_transitions.h).
#include "store/sql_transitions.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>

#include "core/ids.h"
#include "core/message_json.h"
#include "store/sql_context.h"
#include "store/sql_rows.h"

namespace sb::store {
namespace {

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

// Lock the state row (the one a transition writes): without it a concurrent transition (a
// webhook's `delivered` racing the dispatcher's `sent`) is checked against a stale status and
// then overwritten. The message's own row is not locked: only redaction and failover write it,
// and they hold this lock too.
constexpr std::string_view kLockState = " FOR UPDATE OF message_states";

const std::string& by_id_sql(bool full, bool pg) {
  static const std::string f = select_messages_sql() + " WHERE id = $1";
  static const std::string f_pg = f + std::string(kLockState);
  static const std::string n = "SELECT " + std::string(kStateColumns) + " FROM " +
                               std::string(kMessagesFrom) + " WHERE id = $1";
  static const std::string n_pg = n + std::string(kLockState);
  return full ? (pg ? f_pg : f) : (pg ? n_pg : n);
}

const std::string& by_provider_sql(bool full, bool pg) {
  static const std::string f =
      select_messages_sql() + " WHERE connector_id = $1 AND provider_message_id = $2";
  static const std::string f_pg = f + std::string(kLockState);
  static const std::string n = "SELECT " + std::string(kStateColumns) + " FROM " +
                               std::string(kMessagesFrom) +
                               " WHERE connector_id = $1 AND provider_message_id = $2";
  static const std::string n_pg = n + std::string(kLockState);
  return full ? (pg ? f_pg : f) : (pg ? n_pg : n);
}

// The messages of `rows` ids (by_ids) or one connector's provider references (by_refs), in id
// order: the order their state rows are locked in on PostgreSQL.
const std::string& preload_sql(bool by_refs, bool full, bool pg, size_t rows) {
  const auto make = [](bool refs, bool f, bool p) {
    return ChunkedSql([=](size_t k) {
      std::string sql =
          f ? select_messages_sql()
            : "SELECT " + std::string(kStateColumns) + " FROM " + std::string(kMessagesFrom);
      // One connector's references: an IN list SQLite serves from the provider-id index (a row
      // value IN a VALUES list it answers by a scan of the table).
      sql += refs ? " WHERE connector_id = $1 AND provider_message_id IN " + placeholders(1, k, 1)
                  : " WHERE id IN " + placeholders(1, k);
      sql += " ORDER BY id";
      if (p) sql += std::string(kLockState);
      return sql;
    });
  };
  static const ChunkedSql sqls[2][2][2] = {{{make(false, false, false), make(false, false, true)},
                                            {make(false, true, false), make(false, true, true)}},
                                           {{make(true, false, false), make(true, false, true)},
                                            {make(true, true, false), make(true, true, true)}}};
  return sqls[by_refs][full][pg](rows);
}

// Transitions apply in id order; transitions by provider reference (no id yet) come first in
// input order, as do repeats of one id. (preload() has taken the row locks by then: by provider
// reference, then by id, each in id order, so two concurrent batches of ids cannot deadlock.)
std::vector<size_t> lock_order(const std::vector<Transition>& ts) {
  std::vector<size_t> order(ts.size());
  std::iota(order.begin(), order.end(), size_t{0});
  static const std::string kNoId;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const std::string& ia = ts[a].by_provider ? kNoId : ts[a].message_id;
    const std::string& ib = ts[b].by_provider ? kNoId : ts[b].message_id;
    const int cmp = ia.compare(ib);
    return cmp < 0 || (cmp == 0 && a < b);
  });
  return order;
}

}  // namespace

Transition Transition::from_report(const ProviderStatus& report) {
  Transition t;
  t.by_provider = ProviderRef{report.connector, report.provider_message_id};
  t.to = report.status;
  t.at = report.at;
  t.provider_status = report.provider_status;
  t.error_code = report.error_code;
  t.error_message = report.error_message;
  t.detail = report.detail;
  return t;
}

TransitionWork::Entry& TransitionWork::remember(const Row& row, bool full) {
  const std::string id = row.str(0);
  if (auto it = by_id_.find(id); it != by_id_.end()) return entries_[it->second];
  by_id_.emplace(id, entries_.size());
  entries_.push_back({full ? row_to_message(row) : row_to_state(row), full, false, {}, {}});
  Entry& e = entries_.back();
  e.loaded_provider_message_id = e.m.provider_message_id;
  e.loaded_connector = e.m.connector;
  return e;
}

// The whole row under this transaction's changes so far (for a callback payload or a result).
void TransitionWork::make_full(Entry& e) {
  if (e.full) return;
  static const std::string sql = select_messages_sql() + " WHERE id = $1";
  auto rows = c_.query(sql, {e.m.id});  // already locked by load()
  if (rows.empty()) throw DbError("message " + e.m.id + " vanished inside a transaction");
  Message full = row_to_message(rows[0]);
  merge_state(full, e.m);
  e.m = std::move(full);
  e.full = true;
}

TransitionWork::Entry* TransitionWork::load(const std::string& id, bool full) {
  if (auto it = by_id_.find(id); it != by_id_.end()) {
    Entry& e = entries_[it->second];
    if (full) make_full(e);
    return &e;
  }
  if (absent_ids_.contains(id)) return nullptr;
  auto rows = c_.query(by_id_sql(full, pg_), {id});
  if (rows.empty()) return nullptr;
  return &remember(rows[0], full);
}

void TransitionWork::preload(const std::vector<Transition>& ts, bool full) {
  std::vector<const ProviderRef*> refs;
  std::vector<const std::string*> ids;
  std::set<std::string> ref_keys, id_keys;
  for (const Transition& t : ts) {
    if (t.by_provider) {
      std::string key = t.by_provider->connector + '\n' + t.by_provider->provider_message_id;
      if (!by_provider_.contains(key) && ref_keys.insert(std::move(key)).second) {
        refs.push_back(&*t.by_provider);
      }
    } else if (!by_id_.contains(t.message_id) && id_keys.insert(t.message_id).second) {
      ids.push_back(&t.message_id);
    }
  }
  std::stable_sort(refs.begin(), refs.end(), [](const ProviderRef* a, const ProviderRef* b) {
    return a->connector < b->connector;
  });
  for (size_t begin = 0, end = 0; begin < refs.size(); begin = end) {
    while (end < refs.size() && refs[end]->connector == refs[begin]->connector) ++end;
    for_chunks(end - begin, [&](size_t from, size_t n) {
      Params p{refs[begin]->connector};
      p.reserve(1 + n);
      for (size_t i = begin + from; i < begin + from + n; ++i) {
        p.emplace_back(refs[i]->provider_message_id);
      }
      for (const Row& row : c_.query(preload_sql(true, full, pg_, n), p)) {
        Entry& e = remember(row, full);
        if (full) make_full(e);  // when the entry was remembered narrow from an earlier load
        std::string key = e.m.connector + '\n' + e.m.provider_message_id;
        ref_keys.erase(key);
        by_provider_.emplace(std::move(key), static_cast<size_t>(&e - entries_.data()));
      }
    });
  }
  absent_refs_.insert(ref_keys.begin(), ref_keys.end());
  for_chunks(ids.size(), [&](size_t from, size_t n) {
    Params p;
    p.reserve(n);
    for (size_t i = from; i < from + n; ++i) p.emplace_back(*ids[i]);
    for (const Row& row : c_.query(preload_sql(false, full, pg_, n), p)) {
      id_keys.erase(remember(row, full).m.id);
    }
  });
  absent_ids_.insert(id_keys.begin(), id_keys.end());
}

TransitionWork::Entry* TransitionWork::load(const Transition& t, bool full) {
  if (!t.by_provider) return load(t.message_id, full);
  const ProviderRef& ref = *t.by_provider;
  std::string key = ref.connector + '\n' + ref.provider_message_id;
  if (auto it = by_provider_.find(key); it != by_provider_.end()) {
    Entry& e = entries_[it->second];
    if (full) make_full(e);
    return &e;
  }
  if (absent_refs_.contains(key)) return nullptr;
  auto rows = c_.query(by_provider_sql(full, pg_), {ref.connector, ref.provider_message_id});
  if (rows.empty()) return nullptr;
  Entry& e = remember(rows[0], full);
  if (full) make_full(e);  // when the entry was remembered narrow from an earlier load
  by_provider_.emplace(std::move(key), static_cast<size_t>(&e - entries_.data()));
  return &e;
}

TransitionWork::Step TransitionWork::apply(Entry& entry, const Transition& t) {
  Message& m = entry.m;
  const Status previous = m.status;
  const bool expected = !t.expect || *t.expect == m.status;
  Step out;
  out.applied = expected && can_transition(m.status, t.to);
  // A repeat of the status the message already has that brings nothing else (no stored payload,
  // no error, no event of its own): the provider confirming what the dispatcher recorded from its
  // answer (a `sent` report after the send). The message row already says all it says.
  if (!out.applied && m.status == t.to && t.webhook_event_id == 0 && t.error_code.empty() &&
      t.error_message.empty() && t.event_type.empty()) {
    return out;
  }

  MessageEvent e;
  e.message_id = m.id;
  e.account = m.account;
  e.status = t.to;
  e.at = t.at;
  e.applied = out.applied;
  e.provider_status = t.provider_status;
  e.error_code = t.error_code;
  e.error_message = t.error_message;
  e.detail = t.detail;
  if (!t.event_type.empty()) e.type = t.event_type;
  if (!out.applied && e.detail.empty()) {
    e.detail = m.status == t.to
                   ? "duplicate report; status unchanged"
                   : "not applied: message is already " + std::string(to_string(m.status));
  }
  e.webhook_event_id = t.webhook_event_id;
  events_.push_back(std::move(e));
  if (!out.applied) return out;

  m.status = t.to;
  m.updated_at = t.at;
  if (!t.error_code.empty() || !t.error_message.empty()) {
    m.error_code = t.error_code;
    m.error_message = t.error_message;
  }
  if (t.provider_message_id) m.provider_message_id = *t.provider_message_id;
  if (t.connector) m.connector = *t.connector;
  if (t.from) {  // failover; not one of the narrow state columns
    m.from = *t.from;
    c_.exec("UPDATE messages SET from_addr = $1 WHERE id = $2", {*t.from, m.id});
    // In a pool that keeps each recipient's sender, the recipient's sender moves with it.
    c_.exec(
        "UPDATE pool_senders SET number = $1, updated_at = $2 "
        "WHERE pool_id = (SELECT pool_id FROM messages WHERE id = $3) "
        "AND recipient = (SELECT to_addr FROM messages WHERE id = $3)",
        {*t.from, t.at, m.id});
  }
  if (t.attempts) m.attempts = *t.attempts;
  if (t.deferred_until) {  // quiet hours (v5); not one of the narrow state columns
    m.deferred_until = t.deferred_until;
    c_.exec("UPDATE messages SET deferred_until = $1 WHERE id = $2", {*t.deferred_until, m.id});
  }
  const bool in_outbox = t.to == Status::kQueued || t.to == Status::kSending;
  m.next_attempt_at = in_outbox ? t.next_attempt_at.value_or(t.at) : 0;
  entry.dirty = true;

  if (!m.status_callback.empty() && !t.quiet) {
    make_full(entry);
    const Message& full = entry.m;
    nlohmann::json payload = {{"type", "message.status"},
                              {"status", to_string(full.status)},
                              {"previous_status", to_string(previous)},
                              {"at", format_rfc3339(t.at)},
                              {"message", to_json(full)}};
    c_.exec(
        "INSERT INTO deliveries (id, account_id, message_id, kind, url, payload, state, "
        "attempts, next_attempt_at, created_at, updated_at, format) "
        "VALUES ($1, $2, $3, 'status_callback', $4, $5, 'pending', 0, $6, $6, $6, $7)",
        {new_id("dlv_", t.at), full.account, full.id, full.status_callback, payload.dump(), t.at,
         null_if_empty(full.callback_format)});
    out.callback_queued = true;
  }
  return out;
}

namespace {

// UPDATE message_states from a VALUES list of `rows` rows: (message_id, status, updated_at,
// error_code, error_message, next_attempt_at, attempts[, provider_message_id, connector_id]).
// The casts type the parameters for PostgreSQL, which reads an untyped VALUES column as text.
const std::string& update_states_sql(bool with_provider, size_t rows) {
  const auto make = [](bool provider) {
    return ChunkedSql([=](size_t k) {
      const size_t cols = provider ? 9 : 7;
      std::string values;
      for (size_t r = 0; r < k; ++r) {
        values += r ? ", (" : "(";
        for (size_t col = 1; col <= cols; ++col) {
          const bool bigint = col == 3 || col == 6, integer = col == 7;
          if (col > 1) values += ", ";
          if (bigint || integer) values += "CAST(";
          values += '$';
          values += std::to_string(r * cols + col);
          if (bigint) values += " AS BIGINT)";
          if (integer) values += " AS INTEGER)";
        }
        values += ')';
      }
      return "UPDATE message_states SET status = v.column2, updated_at = v.column3, "
             "error_code = v.column4, error_message = v.column5, next_attempt_at = v.column6, "
             "attempts = v.column7" +
             std::string(provider ? ", provider_message_id = v.column8, connector_id = v.column9"
                                  : "") +
             " FROM (VALUES " + values + ") AS v WHERE message_id = v.column1";
    });
  };
  static const ChunkedSql sqls[2] = {make(false), make(true)};
  return sqls[with_provider](rows);
}

// The same for one message, with the same parameters.
const std::string& update_state_sql(bool with_provider) {
  static const std::string sqls[2] = {
      "UPDATE message_states SET status = $2, updated_at = $3, error_code = $4, "
      "error_message = $5, next_attempt_at = $6, attempts = $7 WHERE message_id = $1",
      "UPDATE message_states SET status = $2, updated_at = $3, error_code = $4, "
      "error_message = $5, next_attempt_at = $6, attempts = $7, provider_message_id = $8, "
      "connector_id = $9 WHERE message_id = $1"};
  return sqls[with_provider];
}

void append_state_update(Params& p, const Message& m, bool with_provider) {
  const bool in_outbox = m.status == Status::kQueued || m.status == Status::kSending;
  p.emplace_back(m.id);
  p.emplace_back(std::string(to_string(m.status)));
  p.emplace_back(m.updated_at);
  p.emplace_back(null_if_empty(m.error_code));
  p.emplace_back(null_if_empty(m.error_message));
  p.emplace_back(in_outbox ? Value(m.next_attempt_at) : Value(nullptr));
  p.emplace_back(int64_t{m.attempts});
  if (with_provider) {
    p.emplace_back(null_if_empty(m.provider_message_id));
    p.emplace_back(null_if_empty(m.connector));
  }
}

}  // namespace

void TransitionWork::flush() {
  // Two shapes: most changes leave the provider reference as it was (a report, a retry), and
  // SQLite then leaves its index be; a send that got one writes it.
  std::vector<const Entry*> same_ref, new_ref;
  for (const Entry& e : entries_) {
    if (!e.dirty) continue;
    const bool same = e.m.provider_message_id == e.loaded_provider_message_id &&
                      e.m.connector == e.loaded_connector;
    (same ? same_ref : new_ref).push_back(&e);
  }
  for (const bool with_provider : {false, true}) {
    const std::vector<const Entry*>& entries = with_provider ? new_ref : same_ref;
    if (!pg_) {
      // In-process statements cost SQLite less than a VALUES list it materialises and joins
      // (store_bench: 3-8 % more CPU per message batched).
      for (const Entry* e : entries) {
        Params p;
        append_state_update(p, e->m, with_provider);
        c_.exec(update_state_sql(with_provider), p);
      }
      continue;
    }
    for_chunks(entries.size(), [&](size_t from, size_t n) {
      Params p;
      p.reserve((with_provider ? 9 : 7) * n);
      for (size_t i = from; i < from + n; ++i) append_state_update(p, entries[i]->m, with_provider);
      c_.exec(update_states_sql(with_provider, n), p);
    });
  }
  insert_events(c_, events_);
}

namespace {

// A report no message has yet: kept until match_orphans finds its message.
void keep_orphan(Connection& c, const Transition& t, TimeMs received_at) {
  c.exec(
      "INSERT INTO orphan_statuses (connector_id, provider_message_id, status, at, "
      "provider_status, error_code, error_message, webhook_event_id, created_at, detail) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
      {t.by_provider->connector, t.by_provider->provider_message_id, std::string(to_string(t.to)),
       t.at, null_if_empty(t.provider_status), null_if_empty(t.error_code),
       null_if_empty(t.error_message),
       t.webhook_event_id ? Value(t.webhook_event_id) : Value(nullptr), received_at,
       null_if_empty(t.detail)});
}

}  // namespace

std::vector<TransitionResult> apply_transitions(Connection& c, bool pg,
                                                const std::vector<Transition>& ts,
                                                const ApplyOptions& options) {
  std::vector<TransitionResult> out(ts.size());
  TransitionWork w(c, pg);
  // A round trip per message costs PostgreSQL's client and server more than a list does;
  // SQLite's statements are calls in process, cheaper one by one (see flush()).
  if (pg) w.preload(ts, options.messages);
  for (size_t i : lock_order(ts)) {
    TransitionWork::Entry* e = w.load(ts[i], options.messages);
    if (!e) {
      if (options.keep_orphans && ts[i].by_provider) {
        keep_orphan(c, ts[i], *options.keep_orphans);
        out[i].orphaned = true;
      }
      continue;
    }
    const TransitionWork::Step step = w.apply(*e, ts[i]);
    TransitionResult& r = out[i];
    r.found = true;
    r.applied = step.applied;
    r.callback_queued = step.callback_queued;
    r.message_id = e->m.id;
    r.status = e->m.status;
    if (options.messages) r.message = e->m;
  }
  w.flush();
  return out;
}

}  // namespace sb::store
