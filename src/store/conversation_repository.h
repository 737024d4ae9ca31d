// Conversations and contacts: an account's threads (one per our number and contact, created as
// messages are stored) and its address book.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/contact.h"
#include "core/result.h"

namespace sb::store {

class ConversationRepository {
 public:
  virtual ~ConversationRepository() = default;

  // An account's conversations, latest activity first, filtered and paged by `f`.
  virtual Result<std::vector<Conversation>> list_conversations(const ConversationFilter& f) = 0;
  // The conversation `id` of `account` (nullopt: none in this account).
  virtual Result<std::optional<Conversation>> get_conversation(const std::string& account,
                                                               const std::string& id) = 0;
  // Sets the conversation's unread_count to 0; returns it afterwards (nullopt: not found).
  virtual Result<std::optional<Conversation>> mark_conversation_read(const std::string& account,
                                                                     const std::string& id) = 0;

  // Creates a contact from c.account, c.number (E.164), c.name, c.metadata, c.created_at (also
  // its updated_at); the id is derived from (account, number) like the contacts inbound traffic
  // creates, so c.id is ignored. When the account already has the number: created=false and the
  // existing contact, unchanged.
  virtual Result<CreateContactResult> create_contact(const Contact& c) = 0;
  // The contact `id` of `account` (nullopt: none in this account).
  virtual Result<std::optional<Contact>> get_contact(const std::string& account,
                                                     const std::string& id) = 0;
  // `account`'s contact for `number` (nullopt: none).
  virtual Result<std::optional<Contact>> find_contact(const std::string& account,
                                                      const std::string& number) = 0;
  // An account's contacts in (name key, id) order, filtered and paged by `f`.
  virtual Result<std::vector<Contact>> list_contacts(const ContactFilter& f) = 0;
  // Sets the name and/or metadata given, and updated_at = now; nullopt when the account has no
  // such contact. The number never changes (the id derives from it).
  virtual Result<std::optional<Contact>> update_contact(const std::string& account,
                                                        const std::string& id,
                                                        const std::optional<std::string>& name,
                                                        const std::optional<Metadata>& metadata,
                                                        TimeMs now) = 0;
  // Deletes the contact and its conversations in one transaction; the messages stay (in message
  // listings) but leave the thread (conversation_id cleared). False when not found. If the
  // number texts again it is a new "Unknown" contact with the same derived id and a new thread.
  virtual Result<bool> delete_contact(const std::string& account, const std::string& id) = 0;
};

}  // namespace sb::store
