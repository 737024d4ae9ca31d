// What the SMPP server sends an app's receivers, as pure functions: the deliver_sm of an inbound
// (mobile-originated) message and the deliver_sm receipt of an SMPP-submitted message's final
// status.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/message.h"
#include "smpp/pdu.h"

namespace sb::smpp_server {

// The metadata a submit leaves on its message so that its receipt can be found later: the
// system_id that submitted it and its registered_delivery (only when that asks for receipts).
inline constexpr const char* kMetaSystemId = "smpp_system_id";
inline constexpr const char* kMetaRegisteredDelivery = "smpp_registered_delivery";

// Puts `utf8` in `pdu`: GSM-7 (data_coding 0) when every character has a GSM-7 form, else UCS-2
// (0x08); in short_message when it fits 254 octets, else in the message_payload TLV (one PDU for
// any length, so a receiver never reassembles parts).
void put_text(smpp::Pdu& pdu, std::string_view utf8);

// The deliver_sm (esm_class 0) for `data` of a message.created event; nullopt unless it is an
// inbound message. An MMS's media URLs follow its body, one per line.
std::optional<smpp::Pdu> mo_deliver_sm(const nlohmann::json& data);

// Whether a final `status` (delivered, undelivered, failed, expired, canceled) of `m` is
// receipted to `system_id`: the message was submitted by it with registered_delivery bits 0-1
// of 1 (any final status), 2 (failures only) or 3 (success only).
bool wants_receipt(const Message& m, const std::string& system_id, std::string_view status);

// The receipt: esm_class 0x04, source = the message's recipient, dest = its sender, the standard
// receipt text, receipted_message_id and message_state TLVs. `done_at` is when the status was
// recorded; `error_code` its error (its last 3 digits become err:).
smpp::Pdu receipt_deliver_sm(const Message& m, std::string_view status, TimeMs done_at,
                             std::string_view error_code);

// YYMMDDhhmm in UTC, as receipts write dates.
std::string receipt_date(TimeMs t);

}  // namespace sb::smpp_server
