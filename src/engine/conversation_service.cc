// Conversation and contact operations on behalf of a surface.
#include "engine/conversation_service.h"

#include <algorithm>

#include "core/ids.h"
#include "core/phone.h"
#include "engine/unavailable.h"

namespace sb::engine {
namespace {

constexpr size_t kMaxName = 256;

Error no_conversation(const std::string& id) {
  return Error::make("not_found", "no conversation " + id, "id");
}

Error no_contact(const std::string& id) {
  return Error::make("not_found", "no contact " + id + " in this account", "id");
}

Result<void> check_name(const std::optional<std::string>& name) {
  if (name && (name->empty() || name->size() > kMaxName)) {
    return Error::make("invalid_name", "name must be 1 to 256 bytes", "name");
  }
  return Ok();
}

}  // namespace

ConversationService::ConversationService(store::Store& store, const Clock& clock)
    : store_(store), clock_(clock) {}

Result<Page<Conversation>> ConversationService::list(ConversationFilter f) {
  const int limit = f.limit;
  f.limit = limit + 1;
  auto rows = store_.conversations().list_conversations(f);
  if (!rows) return unavailable();
  return page_of(std::move(*rows), limit);
}

Result<Conversation> ConversationService::get(const std::string& account, const std::string& id) {
  auto v = store_.conversations().get_conversation(account, id);
  if (!v) return unavailable();
  if (!*v) return no_conversation(id);
  return std::move(**v);
}

Result<Page<Message>> ConversationService::messages(const std::string& account,
                                                    const std::string& id,
                                                    const ThreadCursor& cursor, int limit) {
  if (auto v = get(account, id); !v) return v.error();
  if (cursor.before && cursor.after) {
    return Error::make("invalid_parameter", "use either before or after, not both", "before");
  }
  for (const auto* c : {&cursor.before, &cursor.after}) {
    if (*c && !is_valid_id(**c, "msg_")) {
      const std::string name = c == &cursor.before ? "before" : "after";
      return Error::make("invalid_parameter", name + " is not a cursor this API returned", name);
    }
  }
  MessageFilter f;
  f.account = account;
  f.conversation_id = id;
  f.limit = limit + 1;
  if (cursor.before) {
    f.before_id = *cursor.before;  // the page just older than `before`, read newest first
  } else {
    f.oldest_first = true;
    if (cursor.after) f.after_id = *cursor.after;
  }
  auto rows = store_.messages().list(f);
  if (!rows) return unavailable();
  auto page = page_of(std::move(*rows), limit);
  if (cursor.before) std::reverse(page.items.begin(), page.items.end());
  return page;
}

Result<Conversation> ConversationService::mark_read(const std::string& account,
                                                    const std::string& id) {
  auto r = store_.conversations().mark_conversation_read(account, id);
  if (!r) return r.error();
  if (!*r) return no_conversation(id);
  return std::move(**r);
}

ContactService::ContactService(store::Store& store, const Clock& clock, std::string default_region)
    : store_(store), clock_(clock), default_region_(std::move(default_region)) {}

Result<Contact> ContactService::create(const std::string& account, const std::string& number,
                                       const ContactChanges& changes) {
  auto phone = normalize_phone(number, default_region_, "number");
  if (!phone) return phone.error();
  if (auto ok = check_name(changes.name); !ok) return ok.error();
  Contact c;
  c.account = account;
  c.number = phone->e164;
  c.name = changes.name.value_or("Unknown");
  if (changes.metadata) c.metadata = *changes.metadata;
  c.created_at = c.updated_at = clock_.now_ms();
  auto r = store_.conversations().create_contact(c);
  if (!r) return r.error();
  if (!r->created) {
    return Error::make("contact_exists",
                       "a contact with number " + c.number + " already exists: " + r->contact.id,
                       "number");
  }
  return std::move(r->contact);
}

Result<Contact> ContactService::get(const std::string& account, const std::string& id) {
  if (!is_contact_id(id)) return no_contact(id);
  auto c = store_.conversations().get_contact(account, id);
  if (!c) return unavailable();
  if (!*c) return no_contact(id);
  return std::move(**c);
}

Result<Page<Contact>> ContactService::list(ContactFilter f) {
  const int limit = f.limit;
  f.limit = limit + 1;
  auto rows = store_.conversations().list_contacts(f);
  if (!rows) return unavailable();
  return page_of(std::move(*rows), limit);
}

Result<Contact> ContactService::update(const std::string& account, const std::string& id,
                                       const ContactChanges& changes) {
  if (auto ok = check_name(changes.name); !ok) return ok.error();
  if (!is_contact_id(id)) return no_contact(id);
  auto r = store_.conversations().update_contact(account, id, changes.name, changes.metadata,
                                                 clock_.now_ms());
  if (!r) return r.error();
  if (!*r) return no_contact(id);
  return std::move(**r);
}

Result<void> ContactService::remove(const std::string& account, const std::string& id) {
  if (!is_contact_id(id)) return no_contact(id);
  auto r = store_.conversations().delete_contact(account, id);
  if (!r) return r.error();
  if (!*r) return no_contact(id);
  return Ok();
}

}  // namespace sb::engine
