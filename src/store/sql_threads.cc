// Threading of stored messages into contacts and conversations (see sql_threads.h).
#include "store/sql_threads.h"

#include <map>
#include <utility>

#include "core/crypto.h"
#include "store/message_repository.h"
#include "store/sql_context.h"

namespace sb::store {
namespace {

std::string derived_id(std::string_view prefix, std::initializer_list<std::string_view> parts) {
  std::string key;
  for (auto p : parts) {
    key.append(p);
    key.push_back('\0');
  }
  return std::string(prefix) + crypto::hex(crypto::sha256(key)).substr(0, 26);
}

std::string conversation_id_for(const std::string& account, const std::string& our_number,
                                const std::string& contact_id) {
  return derived_id("conv_", {account, our_number, contact_id});
}

// The conversation a message belongs to (derived, so it can be written with the message row).
std::string conversation_of(const Message& m) {
  const bool out = m.direction == Direction::kOutbound;
  const std::string& their = out ? m.to : m.from;
  return conversation_id_for(m.account, out ? m.from : m.to, contact_id_for(m.account, their));
}

const std::string& existing_conversations_sql(size_t n) {
  static const ChunkedSql sql(
      [](size_t k) { return "SELECT id FROM conversations WHERE id IN " + placeholders(1, k); });
  return sql(n);
}

const std::string& insert_contacts_sql(size_t n) {
  static const ChunkedSql sql([](size_t k) {
    std::string s =
        "INSERT INTO contacts (id, account_id, number, name, name_key, metadata, created_at, "
        "updated_at) VALUES ";
    for (size_t i = 0; i < k; ++i) {
      const auto ph = [&](size_t col) { return std::to_string(4 * i + col); };
      s.append(i ? ", ($" : "($").append(ph(1)).append(", $").append(ph(2));
      s.append(", $").append(ph(3)).append(", 'Unknown', 'unknown', '{}', $");
      s.append(ph(4)).append(", $").append(ph(4)).append(")");
    }
    return s + " ON CONFLICT DO NOTHING";
  });
  return sql(n);
}

const std::string& upsert_conversations_sql(size_t n) {
  static const ChunkedSql sql([](size_t k) {
    return "INSERT INTO conversations (id, account_id, our_number, contact_id, created_at, "
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
  });
  return sql(n);
}

}  // namespace

std::string contact_id_for(const std::string& account, const std::string& number) {
  return derived_id("ct_", {account, number});
}

void assign_conversation(Message& m) { m.conversation_id = conversation_of(m); }

void assign_conversation(Message& m, const std::set<std::string>& joinable) {
  assign_conversation(m);
  if (!m.start_conversation && !joinable.count(m.conversation_id)) m.conversation_id.clear();
}

std::set<std::string> existing_conversations(Connection& c, const std::vector<NewMessage>& batch) {
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

}  // namespace sb::store
