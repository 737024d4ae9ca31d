// Shared row converters and statements (see sql_rows.h).
#include "store/sql_rows.h"

#include <algorithm>
#include <map>

#include "store/sql_context.h"

namespace sb::store {

const std::string& select_messages_sql() {
  static const std::string s = "SELECT " + std::string(kMessageColumns) + ", " +
                               std::string(kRedactionColumns) + " FROM " +
                               std::string(kMessagesFrom);
  return s;
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
  m.callback_format = r.str(30);  // v18
  m.pool = r.str(31);             // v22
  m.batch = r.str(32);            // v23
  // redaction, when the row was read with kRedactionColumns
  if (r.size() > 35 && !r.is_null(33)) {
    m.redaction = Message::Redaction{r.i64(33), r.str(34), r.str(35)};
  }
  return m;
}

namespace {

// The messages table's columns, in the order append_message_params writes them.
constexpr std::string_view kMessageRowColumns =
    "id, account_id, direction, from_addr, to_addr, body, media_urls, segments, encoding, "
    "created_at, metadata, status_callback, validity_period_s, idempotency_key, request_hash, "
    "conversation_id, media, send_at, category, deferred_until, max_price, smart_encoding, "
    "callback_format, pool_id, batch_id";
constexpr size_t kMessageRowParams = 25;

void append_message_params(Params& p, const Message& m) {
  p.emplace_back(m.id);
  p.emplace_back(m.account);
  p.emplace_back(std::string(to_string(m.direction)));
  p.emplace_back(m.from);
  p.emplace_back(m.to);
  p.emplace_back(m.body);
  p.emplace_back(nlohmann::json(m.media_urls).dump());
  p.emplace_back(int64_t{m.segments});
  p.emplace_back(std::string(to_string(m.encoding)));
  p.emplace_back(m.created_at);
  p.emplace_back(nlohmann::json(m.metadata).dump());
  p.emplace_back(null_if_empty(m.status_callback));
  p.emplace_back(opt(m.validity_period_s));
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
  p.emplace_back(null_if_empty(m.callback_format));  // v18
  p.emplace_back(null_if_empty(m.pool));             // v22
  p.emplace_back(null_if_empty(m.batch));            // v23
}

// The message_states table's columns, in the order append_state_params writes them.
constexpr std::string_view kStateRowColumns =
    "message_id, status, updated_at, attempts, next_attempt_at, connector_id, "
    "provider_message_id, error_code, error_message";
constexpr size_t kStateRowParams = 9;

void append_state_params(Params& p, const Message& m) {
  p.emplace_back(m.id);
  p.emplace_back(std::string(to_string(m.status)));
  p.emplace_back(m.updated_at);
  p.emplace_back(int64_t{m.attempts});
  p.emplace_back(m.next_attempt_at ? Value(m.next_attempt_at) : Value(nullptr));
  p.emplace_back(null_if_empty(m.connector));
  p.emplace_back(null_if_empty(m.provider_message_id));
  p.emplace_back(null_if_empty(m.error_code));
  p.emplace_back(null_if_empty(m.error_message));
}

const std::string& insert_message_rows_sql(size_t rows) {
  static const ChunkedSql sql([](size_t k) {
    return "INSERT INTO messages (" + std::string(kMessageRowColumns) + ") VALUES " +
           placeholders(k, kMessageRowParams);
  });
  return sql(rows);
}

const std::string& insert_state_rows_sql(size_t rows) {
  static const ChunkedSql sql([](size_t k) {
    return "INSERT INTO message_states (" + std::string(kStateRowColumns) + ") VALUES " +
           placeholders(k, kStateRowParams);
  });
  return sql(rows);
}

// Multi-row INSERTs of one of a message's two rows for each of `messages`: `params` columns
// each, appended by `append`, into the statement `sql(rows)`.
void insert_rows(Connection& c, const std::vector<const Message*>& messages, size_t params,
                 const std::string& (*sql)(size_t), void (*append)(Params&, const Message&)) {
  for_chunks(messages.size(), [&](size_t from, size_t n) {
    Params p;
    p.reserve(params * n);
    for (size_t i = from; i < from + n; ++i) append(p, *messages[i]);
    c.exec(sql(n), p);
  });
}

}  // namespace

void insert_messages(Connection& c, const std::vector<const Message*>& messages) {
  insert_rows(c, messages, kMessageRowParams, insert_message_rows_sql, append_message_params);
  insert_rows(c, messages, kStateRowParams, insert_state_rows_sql, append_state_params);
}

bool insert_message_row(Connection& c, const Message& m) {
  Params p;
  p.reserve(kMessageRowParams);
  append_message_params(p, m);
  c.exec(insert_message_rows_sql(1) +
             " ON CONFLICT (account_id, idempotency_key) "
             "WHERE idempotency_key IS NOT NULL DO NOTHING",
         p);
  if (c.changes() != 1) return false;
  insert_rows(c, {&m}, kStateRowParams, insert_state_rows_sql, append_state_params);
  return true;
}

void insert_event(Connection& c, const MessageEvent& e) {
  c.exec(
      "INSERT INTO message_events (message_id, type, status, at, applied, provider_status, "
      "error_code, error_message, detail, webhook_event_id, account_id) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
      {e.message_id, e.type, std::string(to_string(e.status)), e.at, int64_t{e.applied},
       null_if_empty(e.provider_status), null_if_empty(e.error_code),
       null_if_empty(e.error_message), null_if_empty(e.detail),
       e.webhook_event_id ? Value(e.webhook_event_id) : Value(nullptr), null_if_empty(e.account)});
}

void insert_events(Connection& c, std::vector<MessageEvent>& events) {
  static const ChunkedSql sql([](size_t k) {
    return "INSERT INTO message_events (message_id, type, status, at, applied, "
           "provider_status, error_code, error_message, detail, webhook_event_id, account_id) "
           "VALUES " +
           placeholders(k, 11);
  });
  for_chunks(events.size(), [&](size_t from, size_t n) {
    Params p;
    p.reserve(11 * n);
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
      p.emplace_back(null_if_empty(e.account));
    }
    c.exec(sql(n), p);
  });
  events.clear();
}

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

MediaRecord row_to_media(const Row& r) {
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

void attach_media(Connection& c, std::vector<Message>& msgs) {
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
    for (const auto& r : c.query(sql, p)) {
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

}  // namespace sb::store
