// An account's address book and its conversations (one thread per our number and contact).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/message.h"

namespace sb {

struct Contact {
  std::string id;
  std::string account;
  std::string number;
  std::string name;
  Metadata metadata;
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
};

struct Conversation {
  std::string id;
  std::string account;
  std::string our_number;
  Contact contact;
  TimeMs created_at = 0;
  TimeMs last_message_at = 0;
  std::string last_message_id;
  std::string last_message_preview;
  int64_t unread_count = 0;
  int64_t inbound_count = 0;
  int64_t outbound_count = 0;
};

struct ConversationFilter {
  std::string account;
  std::optional<std::string> our_number;
  std::optional<std::string> contact_id;
  bool unread_only = false;
  // Search: written like a phone number (digits, spaces, + - ( ) .), the contact's number holds
  // its digits; otherwise the contact's name starts with it (letters case-insensitively).
  std::optional<std::string> search;
  // Cursor: conversations strictly older than (last_message_at, id).
  std::optional<std::pair<TimeMs, std::string>> before;
  int limit = 50;
};

// A contact's search key: its name with ASCII letters lower-cased (the same on both backends;
// other characters are compared as they are). Contacts list in (name key, id) order.
std::string contact_name_key(std::string_view name);

struct ContactFilter {
  std::string account;
  // Search: contacts whose name key starts with `name_prefix` or whose number starts with
  // `number_prefix` (either or both; none set: every contact).
  std::optional<std::string> name_prefix;
  std::optional<std::string> number_prefix;
  // Cursor: contacts strictly after (name key, id).
  std::optional<std::pair<std::string, std::string>> after;
  int limit = 50;
};

struct CreateContactResult {
  bool created = false;  // false: the account already had a contact with this number
  Contact contact;       // the stored contact (the existing one when not created)
};

// A contact and a conversation as the API shows them (GET /v1/contacts/{id},
// GET /v1/conversations/{id}; the live stream's conversation.updated).
nlohmann::json to_json(const Contact& c);
nlohmann::json to_json(const Conversation& v);

}  // namespace sb
