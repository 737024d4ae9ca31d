// ConversationRepository over the SQL context: conversations and the contacts they are with.
#include "store/conversation_repository.h"

#include <nlohmann/json.hpp>

#include "store/sql_context.h"
#include "store/sql_repositories.h"
#include "store/sql_threads.h"

namespace sb::store {
namespace {

constexpr std::string_view kContactSelect =
    "SELECT id, account_id, number, name, metadata, created_at, updated_at FROM contacts";

const std::string& select_conversations_sql() {
  static const std::string s =
      "SELECT t.id, t.account_id, t.number, t.name, t.metadata, t.created_at, t.updated_at, "
      "v.id, v.our_number, v.created_at, v.last_message_at, v.last_message_id, "
      "v.last_message_preview, v.unread_count, v.inbound_count, v.outbound_count "
      "FROM conversations v JOIN contacts t ON t.id = v.contact_id";
  return s;
}

Contact row_to_contact(const Row& r, size_t at) {
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

Conversation row_to_conversation(const Row& r) {
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

// The one conversation or contact a query finds (nullopt: none).
std::optional<Conversation> one_conversation(Connection& c, const std::string& account,
                                             const std::string& id) {
  auto rows = c.query(select_conversations_sql() + " WHERE v.account_id = $1 AND v.id = $2",
                      {account, id});
  if (rows.empty()) return std::nullopt;
  return row_to_conversation(rows[0]);
}
std::optional<Contact> one_contact(Connection& c, std::string_view where, const Params& p) {
  auto rows = c.query(std::string(kContactSelect).append(where), p);
  if (rows.empty()) return std::nullopt;
  return row_to_contact(rows[0], 0);
}

// `column LIKE <lead><text>%` with our own escapes: the same on both backends (case-sensitive
// on a lower-cased key, or on digits), since the patterns hold no upper-case letters SQLite
// would fold. `lead` is "" (a prefix) or "%" (anywhere).
std::string like_condition(std::string_view column, std::string_view lead, const std::string& text,
                           Params& p) {
  std::string pattern(lead);
  for (char ch : text) {
    if (ch == '%' || ch == '_' || ch == '\\') pattern.push_back('\\');
    pattern.push_back(ch);
  }
  pattern.push_back('%');
  p.emplace_back(std::move(pattern));
  return std::string(column) + " LIKE $" + std::to_string(p.size()) + " ESCAPE '\\'";
}

class SqlConversationRepository final : public ConversationRepository {
 public:
  explicit SqlConversationRepository(SqlContext& ctx) : ctx_(ctx) {}

  Result<std::vector<Conversation>> list_conversations(const ConversationFilter& f) override {
    std::string sql = select_conversations_sql() + " WHERE v.account_id = $1";
    Params p{f.account};
    const auto add = [&](std::string_view cond, Value v) {
      add_condition(sql, p, cond, std::move(v));
    };
    if (f.our_number) add("v.our_number =", *f.our_number);
    if (f.contact_id) add("v.contact_id =", *f.contact_id);
    if (f.unread_only) sql += " AND v.unread_count > 0";
    if (f.search && !f.search->empty()) {
      // Something written like a phone number (digits, spaces, + - ( ) .): its digits anywhere
      // in the contact's number. Anything else: the contact's name from its start.
      std::string digits;
      bool phone_like = true;
      for (char ch : *f.search) {
        if (ch >= '0' && ch <= '9') {
          digits.push_back(ch);
        } else if (std::string_view(" +-().").find(ch) == std::string_view::npos) {
          phone_like = false;
        }
      }
      if (phone_like && !digits.empty()) {
        sql += " AND " + like_condition("t.number", "%", digits, p);
      } else {
        sql += " AND " + like_condition("t.name_key", "", contact_name_key(*f.search), p);
      }
    }
    if (f.before) {
      p.push_back(f.before->first);
      p.push_back(f.before->second);
      const auto a = std::to_string(p.size() - 1), b = std::to_string(p.size());
      sql += " AND (v.last_message_at < $" + a + " OR (v.last_message_at = $" + a +
             " AND v.id < $" + b + "))";
    }
    p.emplace_back(int64_t{f.limit});
    sql += " ORDER BY v.last_message_at DESC, v.id DESC LIMIT $" + std::to_string(p.size());
    return ctx_.read([&](Connection& c) {
      std::vector<Conversation> out;
      for (const auto& r : c.query(sql, p)) out.push_back(row_to_conversation(r));
      return out;
    });
  }

  Result<std::optional<Conversation>> get_conversation(const std::string& account,
                                                       const std::string& id) override {
    return ctx_.read([&](Connection& c) { return one_conversation(c, account, id); });
  }

  Result<std::optional<Conversation>> mark_conversation_read(const std::string& account,
                                                             const std::string& id) override {
    return ctx_.write_tx([&](Connection& c) -> std::optional<Conversation> {
      c.exec("UPDATE conversations SET unread_count = 0 WHERE account_id = $1 AND id = $2",
             {account, id});
      if (c.changes() != 1) return std::nullopt;
      return one_conversation(c, account, id);
    });
  }

  Result<CreateContactResult> create_contact(const Contact& k) override {
    const std::string id = contact_id_for(k.account, k.number);
    return ctx_.write_tx([&](Connection& c) {
      CreateContactResult out;
      c.exec(
          "INSERT INTO contacts (id, account_id, number, name, name_key, metadata, created_at, "
          "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT DO NOTHING",
          {id, k.account, k.number, k.name, contact_name_key(k.name),
           nlohmann::json(k.metadata).dump(), k.created_at});
      out.created = c.changes() == 1;
      auto stored = one_contact(c, " WHERE account_id = $1 AND id = $2", {k.account, id});
      if (!stored) throw DbError("contact " + id + " vanished");
      out.contact = std::move(*stored);
      return out;
    });
  }

  Result<std::optional<Contact>> get_contact(const std::string& account,
                                             const std::string& id) override {
    return ctx_.read([&](Connection& c) {
      return one_contact(c, " WHERE account_id = $1 AND id = $2", {account, id});
    });
  }

  Result<std::optional<Contact>> find_contact(const std::string& account,
                                              const std::string& number) override {
    return ctx_.read([&](Connection& c) {
      return one_contact(c, " WHERE account_id = $1 AND number = $2", {account, number});
    });
  }

  Result<std::vector<Contact>> list_contacts(const ContactFilter& f) override {
    std::string sql = std::string(kContactSelect) + " WHERE account_id = $1";
    Params p{f.account};
    const auto like = [&](std::string_view column, const std::string& prefix) {
      return like_condition(column, "", prefix, p);
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
    return ctx_.read([&](Connection& c) {
      auto rows = c.query(sql, p);
      std::vector<Contact> out;
      out.reserve(rows.size());
      for (const auto& r : rows) out.push_back(row_to_contact(r, 0));
      return out;
    });
  }

  Result<std::optional<Contact>> update_contact(const std::string& account, const std::string& id,
                                                const std::optional<std::string>& name,
                                                const std::optional<Metadata>& metadata,
                                                TimeMs now) override {
    return ctx_.write_tx([&](Connection& c) -> std::optional<Contact> {
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
      if (c.changes() != 1) return std::nullopt;
      return one_contact(c, " WHERE account_id = $1 AND id = $2", {account, id});
    });
  }

  Result<bool> delete_contact(const std::string& account, const std::string& id) override {
    return ctx_.write_tx([&](Connection& c) {
      // Lock the contact first (PostgreSQL) so concurrent threading of a new message waits on
      // it rather than on one of the rows deleted after it.
      if (ctx_.pg() &&
          c.query("SELECT 1 FROM contacts WHERE account_id = $1 AND id = $2 FOR UPDATE",
                  {account, id})
              .empty()) {
        return false;
      }
      c.exec(
          "UPDATE messages SET conversation_id = NULL WHERE conversation_id IN "
          "(SELECT id FROM conversations WHERE account_id = $1 AND contact_id = $2)",
          {account, id});
      c.exec("DELETE FROM conversations WHERE account_id = $1 AND contact_id = $2",
             {account, id});
      c.exec("DELETE FROM contacts WHERE account_id = $1 AND id = $2", {account, id});
      return c.changes() == 1;
    });
  }

 private:
  SqlContext& ctx_;
};

}  // namespace

std::unique_ptr<ConversationRepository> make_sql_conversation_repository(SqlContext& ctx) {
  return std::make_unique<SqlConversationRepository>(ctx);
}

}  // namespace sb::store
