// Conversations and contacts as every surface sees them: the account's threads (per our number
// and contact), their messages, read state, and the address book they hang off.
#pragma once

#include <optional>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "engine/gateway.h"
#include "engine/page.h"

namespace sb::engine {

// Where a page of a thread starts: after a message (older to newer), before one (the page just
// older than it), or neither (the oldest messages).
struct ThreadCursor {
  std::optional<std::string> before;
  std::optional<std::string> after;
};

class ConversationService {
 public:
  ConversationService(store::Store& store, const Clock& clock);

  // The account's conversations, most recent first; f.limit is the page size.
  Result<Page<Conversation>> list(ConversationFilter f);
  // Errors: not_found (field id).
  Result<Conversation> get(const std::string& account, const std::string& id);
  // A page of the thread's messages, oldest first whichever way it pages. Errors: not_found,
  // invalid_parameter (both cursors, or one this API did not return).
  Result<Page<Message>> messages(const std::string& account, const std::string& id,
                                 const ThreadCursor& cursor, int limit);
  // Sets the unread count to 0; answers the conversation afterwards.
  Result<Conversation> mark_read(const std::string& account, const std::string& id);

 private:
  store::Store& store_;
  const Clock& clock_;
};

// What a contact's create or update sets; fields left empty stay as they are (create: name
// "Unknown", no metadata).
struct ContactChanges {
  std::optional<std::string> name;
  std::optional<Metadata> metadata;
};

class ContactService {
 public:
  ContactService(store::Store& store, const Clock& clock, std::string default_region);

  // Adds `number` (any format default_region reads) to the account's contacts. Errors: those of
  // phone parsing (field number), invalid_name, contact_exists (the number has a contact).
  Result<Contact> create(const std::string& account, const std::string& number,
                         const ContactChanges& changes);
  Result<Contact> get(const std::string& account, const std::string& id);
  // The account's contacts in (name key, id) order; f.limit is the page size.
  Result<Page<Contact>> list(ContactFilter f);
  Result<Contact> update(const std::string& account, const std::string& id,
                         const ContactChanges& changes);
  // Deletes the contact and its conversations; its messages stay, outside any thread.
  Result<void> remove(const std::string& account, const std::string& id);

 private:
  store::Store& store_;
  const Clock& clock_;
  std::string default_region_;
};

}  // namespace sb::engine
