// How the engine's refusals of a submit read in SMPP: the one table that maps an Error code to a
// submit_sm_resp / data_sm_resp command_status (the HTTP surface has its own for HTTP statuses).
#pragma once

#include <cstdint>

#include "core/result.h"

namespace sb::smpp_server {

// The command_status for an engine error of MessageService::send:
// - the recipient cannot be read (field `to`: invalid_phone_number, ...) -> ESME_RINVDSTADR
// - the sender is wrong or not the account's (from_not_owned, no_sender, field `from`)
//   -> ESME_RINVSRCADR
// - the body (body_too_long, empty_body, missing_content, invalid_utf8) -> ESME_RINVMSGLEN
// - the recipient opted out -> ESME_RX_P_APPN (0x65): permanent, so an ESME does not retry it
//   the way it retries ESME_RSUBMITFAIL
// - rate_limited -> ESME_RTHROTTLED; storage_error, database_unavailable, shutting_down
//   -> ESME_RSYSERR (temporary: retry later)
// - anything else -> ESME_RSUBMITFAIL
uint32_t submit_status_for(const Error& e);

}  // namespace sb::smpp_server
