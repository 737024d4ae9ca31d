// The engine-error -> command_status table of the SMPP server.
#include "smpp_server/submit_status.h"

#include <string_view>

#include "smpp/pdu.h"

namespace sb::smpp_server {
namespace {

struct Row {
  std::string_view code;
  uint32_t status;
};

// Codes first: several of them name `to` or `from` as their field but mean something else.
constexpr Row kByCode[] = {
    {"recipient_opted_out", smpp::status::kXPAppn}, {"rate_limited", smpp::status::kThrottled},
    {"storage_error", smpp::status::kSysErr},       {"database_unavailable", smpp::status::kSysErr},
    {"shutting_down", smpp::status::kSysErr},       {"body_too_long", smpp::status::kInvMsgLen},
    {"empty_body", smpp::status::kInvMsgLen},       {"missing_content", smpp::status::kInvMsgLen},
    {"invalid_utf8", smpp::status::kInvMsgLen},     {"from_not_owned", smpp::status::kInvSrcAdr},
    {"no_sender", smpp::status::kInvSrcAdr},        {"no_capable_sender", smpp::status::kInvSrcAdr},
    {"unknown_pool", smpp::status::kInvSrcAdr},
};

}  // namespace

uint32_t submit_status_for(const Error& e) {
  for (const auto& row : kByCode) {
    if (row.code == e.code) return row.status;
  }
  if (e.field == "to") return smpp::status::kInvDstAdr;
  if (e.field == "from") return smpp::status::kInvSrcAdr;
  if (e.field == "body") return smpp::status::kInvMsgLen;
  return smpp::status::kSubmitFail;
}

}  // namespace sb::smpp_server
