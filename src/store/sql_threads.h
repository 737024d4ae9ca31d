// Threading: the contact and conversation every stored message belongs to. Their ids derive
// from what makes them unique, so a message row names its conversation before the conversation
// row is written (one upsert, no read-back). Shared by message inserts and inbound webhooks.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/message.h"
#include "store/db.h"

namespace sb::store {

struct NewMessage;

// The id of `account`'s contact for `number`.
std::string contact_id_for(const std::string& account, const std::string& number);

// Sets m.conversation_id: the conversation of (our number, the other party).
void assign_conversation(Message& m);
// The same for a message that may only join a conversation (Message::start_conversation
// false): none if its conversation is not among `joinable` (existing_conversations).
void assign_conversation(Message& m, const std::set<std::string>& joinable);

// Of the conversations that the batch's join-only messages belong to, those that exist. No
// query when every message may start its conversation (the usual case).
std::set<std::string> existing_conversations(Connection& c, const std::vector<NewMessage>& batch);

// Finds or creates the contact and the conversation of stored messages and counts them there:
// one multi-row insert for their contacts and one multi-row upsert for their conversations,
// aggregated per conversation (so each row is touched once per statement) and written in id
// order (so concurrent batches on PostgreSQL take row locks in the same order and cannot
// deadlock). Messages without a conversation_id are left out.
void thread_messages(Connection& c, const std::vector<const Message*>& ms);
inline void thread_message(Connection& c, const Message& m) { thread_messages(c, {&m}); }

}  // namespace sb::store
