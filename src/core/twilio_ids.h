// The Twilio-compatible API's names for our resources. A message's SID is "SM" (or "MM" with
// media) and the 128 bits of its ULID in 32 lower-case hex digits (a sender pool's: "MG"), so it is stable, sorts like
// the message id, and maps back without a lookup; an account SID is "AC" + 32 random hex digits,
// stored with the account's credentials.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sb {

// "SM…"/"MM…" for a message id "msg_<ULID>" (`mms`: it has media).
std::string twilio_message_sid(std::string_view message_id, bool mms);
// The message id a message SID names (SM or MM); nullopt when it is not one.
std::optional<std::string> message_id_of_twilio_sid(std::string_view sid);
// "MG…" (a Messaging Service SID) for a sender pool "pool_<ULID>", and back (nullopt: not one).
std::string twilio_service_sid(std::string_view pool_id);
std::optional<std::string> pool_id_of_twilio_sid(std::string_view sid);
// "PN…" for one of an account's numbers: 128 bits of SHA-256(account, number) in hex, stable
// for the pair and different in another account.
std::string twilio_number_sid(std::string_view account, std::string_view number);
// "ME…" for the `index`th media item of a message: 128 bits of SHA-256(message id, index).
std::string twilio_media_sid(std::string_view message_id, size_t index);
// A new random account SID.
std::string new_twilio_account_sid();
// True for "AC" + 32 hex digits (either case).
bool is_twilio_account_sid(std::string_view sid);

}  // namespace sb
