// Contacts' search key, the one definition the store indexes and the API's cursors carry.
#include "core/contact.h"

namespace sb {

std::string contact_name_key(std::string_view name) {
  std::string key(name);
  for (char& ch : key) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return key;
}

nlohmann::json to_json(const Contact& c) {
  return {{"id", c.id},
          {"name", c.name},
          {"number", c.number},
          {"metadata", c.metadata},
          {"created_at", format_rfc3339(c.created_at)},
          {"updated_at", format_rfc3339(c.updated_at)}};
}

nlohmann::json to_json(const Conversation& v) {
  return {{"id", v.id},
          {"our_number", v.our_number},
          {"contact", to_json(v.contact)},
          {"created_at", format_rfc3339(v.created_at)},
          {"last_message_at", format_rfc3339(v.last_message_at)},
          {"last_message_id", v.last_message_id},
          {"last_message_preview", v.last_message_preview},
          {"unread_count", v.unread_count},
          {"message_count", v.inbound_count + v.outbound_count},
          {"inbound_count", v.inbound_count},
          {"outbound_count", v.outbound_count}};
}

}  // namespace sb
