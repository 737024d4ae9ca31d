// The SMPP connector's settings, submit planning, status table and receipt mapping.
#include "providers/smpp/smpp_config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "core/grapheme.h"
#include "core/segments.h"
#include "core/utf8.h"

namespace sb::providers::smpp {

namespace {

std::string lower(std::string v) {
  for (auto& ch : v) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return v;
}

Result<bool> bool_setting(const ConnectorSettings& s, const std::string& key, bool fallback) {
  auto it = s.values.find(key);
  if (it == s.values.end()) return fallback;
  const std::string v = lower(it->second);
  if (v == "true" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "no") return false;
  return setting_error(s, key, "must be true or false");
}

// Seconds, fractions allowed ("0.5"), as milliseconds.
Result<int64_t> seconds_setting(const ConnectorSettings& s, const std::string& key,
                                int64_t fallback_ms) {
  auto it = s.values.find(key);
  if (it == s.values.end()) return fallback_ms;
  char* end = nullptr;
  const double v = std::strtod(it->second.c_str(), &end);
  if (it->second.empty() || *end || !std::isfinite(v)) {
    return setting_error(s, key, "must be a number of seconds");
  }
  if (v <= 0) return setting_error(s, key, "must be more than 0");
  return static_cast<int64_t>(std::llround(v * 1000));
}

Result<int64_t> ranged(const ConnectorSettings& s, const std::string& key, int64_t fallback,
                       int64_t lo, int64_t hi) {
  auto v = int_setting(s, key, fallback);
  if (!v) return v.error();
  if (*v < lo || *v > hi) {
    return setting_error(s, key,
                         "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  }
  return *v;
}

Result<std::optional<uint8_t>> octet_setting(const ConnectorSettings& s, const std::string& key) {
  if (!s.values.count(key)) return std::optional<uint8_t>{};
  auto v = ranged(s, key, 0, 0, 255);
  if (!v) return v.error();
  return std::optional<uint8_t>(static_cast<uint8_t>(*v));
}

Result<std::string> word_setting(const ConnectorSettings& s, const std::string& key,
                                 const std::string& fallback,
                                 const std::vector<std::string>& allowed) {
  auto it = s.values.find(key);
  if (it == s.values.end()) return fallback;
  const std::string v = lower(it->second);
  if (std::find(allowed.begin(), allowed.end(), v) != allowed.end()) return v;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  return setting_error(s, key, "must be one of " + list);
}

// A C-octet string field of the bind: longer would be truncated on the wire, so a typo'd
// credential is refused here rather than failing every bind with a puzzling status.
Result<void> check_length(const ConnectorSettings& s, const std::string& key, size_t max,
                          bool secret) {
  const std::string v = setting_value(s, key);
  if (v.size() > max) {
    return setting_error(s, key,
                         "must be at most " + std::to_string(max) + " characters" +
                             (secret ? "" : " (got '" + v + "')"));
  }
  if (has_space_or_control(v)) return setting_error(s, key, "must not contain whitespace");
  return Ok();
}

}  // namespace

SendFailure failure(FailureKind kind, std::string code, std::string message,
                    std::optional<int64_t> retry_after_ms) {
  SendFailure f;
  f.kind = kind;
  f.code = std::move(code);
  f.message = std::move(message);
  f.retry_after_ms = retry_after_ms;
  return f;
}

Result<SmppConfig> parse_config(const ConnectorSettings& s) {
  SmppConfig c;
  c.id = s.id;
  c.send_timeout_ms = s.timeout_ms;
  c.host = setting_value(s, "host");
  if (c.host.empty()) return setting_error(s, "host", "is required");
  if (has_space_or_control(c.host)) return setting_error(s, "host", "must not contain whitespace");
  auto port = ranged(s, "port", 0, 1, 65535);
  if (!s.values.count("port")) return setting_error(s, "port", "is required");
  if (!port) return port.error();
  c.port = static_cast<uint16_t>(*port);
  auto tls = bool_setting(s, "tls", false);
  if (!tls) return tls.error();
  c.tls = *tls;
  auto verify = bool_setting(s, "tls_verify", true);
  if (!verify) return verify.error();
  c.tls_verify = *verify;
  c.tls_ca_file = setting_value(s, "tls_ca_file");

  c.system_id = setting_value(s, "system_id");
  if (c.system_id.empty()) return setting_error(s, "system_id", "is required");
  if (auto r = check_length(s, "system_id", 15, false); !r) return r.error();
  if (!s.values.count("password")) return setting_error(s, "password", "is required");
  c.password = setting_value(s, "password");
  if (auto r = check_length(s, "password", 8, true); !r) return r.error();
  c.system_type = setting_value(s, "system_type");
  if (auto r = check_length(s, "system_type", 12, false); !r) return r.error();

  auto bind = word_setting(s, "bind", "transceiver", {"transceiver", "transmitter_receiver"});
  if (!bind) return bind.error();
  c.bind = *bind == "transceiver" ? BindMode::kTransceiver : BindMode::kTransmitterReceiver;
  auto binds = ranged(s, "binds", 1, 1, 64);
  if (!binds) return binds.error();
  c.binds = static_cast<int>(*binds);
  auto window = ranged(s, "window", 10, 1, 1000);
  if (!window) return window.error();
  c.window = static_cast<int>(*window);
  auto throughput = ranged(s, "throughput", 0, 0, 100'000);
  if (!throughput) return throughput.error();
  c.throughput = static_cast<double>(*throughput);

  auto enquire = seconds_setting(s, "enquire_link_s", 30'000);
  if (!enquire) return enquire.error();
  c.enquire_link_ms = *enquire;
  auto timeout = seconds_setting(s, "enquire_link_timeout_s", std::max<int64_t>(*enquire, 10'000));
  if (!timeout) return timeout.error();
  c.response_timeout_ms = *timeout;
  auto rmin = ranged(s, "reconnect_min_ms", 1'000, 1, 3'600'000);
  if (!rmin) return rmin.error();
  auto rmax = ranged(s, "reconnect_max_ms", 60'000, 1, 3'600'000);
  if (!rmax) return rmax.error();
  if (*rmax < *rmin) return setting_error(s, "reconnect_max_ms", "must be >= reconnect_min_ms");
  c.reconnect_min_ms = *rmin;
  c.reconnect_max_ms = *rmax;

  for (auto [key, field] : {std::pair{"source_ton", &c.source_ton},
                            {"source_npi", &c.source_npi},
                            {"dest_ton", &c.dest_ton},
                            {"dest_npi", &c.dest_npi}}) {
    auto v = octet_setting(s, key);
    if (!v) return v.error();
    *field = *v;
  }

  auto lm = word_setting(s, "long_messages", "udh", {"udh", "sar", "payload"});
  if (!lm) return lm.error();
  c.long_messages = *lm == "udh"   ? wire::LongMessages::kUdh
                    : *lm == "sar" ? wire::LongMessages::kSar
                                   : wire::LongMessages::kPayload;
  auto dc = word_setting(s, "data_coding", "gsm7", {"gsm7", "latin1"});
  if (!dc) return dc.error();
  c.data_coding = *dc == "gsm7" ? DataCodingPolicy::kGsm7 : DataCodingPolicy::kLatin1;
  auto alpha = word_setting(s, "default_alphabet", "gsm7", {"gsm7", "latin1", "ascii"});
  if (!alpha) return alpha.error();
  c.default_alphabet = *alpha == "gsm7"     ? wire::Alphabet::kGsm7
                       : *alpha == "latin1" ? wire::Alphabet::kLatin1
                                            : wire::Alphabet::kAscii;
  auto rd = ranged(s, "registered_delivery", 1, 0, 255);
  if (!rd) return rd.error();
  c.registered_delivery = static_cast<uint8_t>(*rd);
  auto idf = word_setting(s, "receipt_id_format", "auto", {"auto", "hex", "decimal", "as_is"});
  if (!idf) return idf.error();
  c.receipt_id_format = *idf == "auto"      ? wire::IdFormat::kAuto
                        : *idf == "hex"     ? wire::IdFormat::kHex
                        : *idf == "decimal" ? wire::IdFormat::kDecimal
                                            : wire::IdFormat::kAsIs;
  return c;
}

namespace {

// Greedy grapheme-safe split of `body` into parts of at most `cap` units, where `units` counts a
// code point's cost. A cluster longer than a part is cut between code points (never inside one).
std::vector<std::string> split_by_units(std::string_view body, int cap, int (*units)(char32_t)) {
  std::vector<std::string> parts;
  std::string cur;
  int used = 0;
  for (std::string_view cluster : grapheme::split(body)) {
    int cost = 0;
    for (char32_t cp : utf8::decode(cluster)) cost += units(cp);
    if (used + cost > cap && !cur.empty()) {
      parts.push_back(std::move(cur));
      cur.clear();
      used = 0;
    }
    if (cost <= cap) {
      cur += cluster;
      used += cost;
      continue;
    }
    // A cluster longer than a whole part: by code points.
    for (char32_t cp : utf8::decode(cluster)) {
      if (used + units(cp) > cap && !cur.empty()) {
        parts.push_back(std::move(cur));
        cur.clear();
        used = 0;
      }
      utf8::append(cur, cp);
      used += units(cp);
    }
  }
  if (!cur.empty() || parts.empty()) parts.push_back(std::move(cur));
  return parts;
}

int latin1_units(char32_t) { return 1; }
int utf16_units(char32_t cp) { return cp > 0xFFFF ? 2 : 1; }

}  // namespace

ProviderResult<SubmitPlan> plan_submits(const SmppConfig& c, const Message& m, uint16_t reference) {
  if (!m.media_urls.empty()) {
    return failure(FailureKind::kPermanent, "smpp_no_media",
                   "SMPP carries text only: a message with media cannot be sent through this "
                   "connector");
  }
  SubmitPlan plan;
  wire::Alphabet alphabet = wire::Alphabet::kUcs2;
  std::optional<std::string> whole = wire::encode_gsm7(m.body);
  if (whole) {
    alphabet = wire::Alphabet::kGsm7;
    plan.data_coding = wire::dcs::kSmscDefault;
  }
  if (c.data_coding == DataCodingPolicy::kLatin1) {
    // The carrier reads 0x00 its own way; this policy says Latin-1 is what it understands.
    whole = wire::encode_latin1(m.body);
    if (whole) {
      alphabet = wire::Alphabet::kLatin1;
      plan.data_coding = wire::dcs::kLatin1;
    }
  }
  if (!whole) {
    whole = wire::encode_ucs2(m.body);
    alphabet = wire::Alphabet::kUcs2;
    plan.data_coding = wire::dcs::kUcs2;
  }
  const size_t single_cap = alphabet == wire::Alphabet::kGsm7 ? 160 : 140;  // octets
  const wire::Address source = [&] {
    wire::Address a = wire::address_for(m.from);
    if (c.source_ton) a.ton = *c.source_ton;
    if (c.source_npi) a.npi = *c.source_npi;
    return a;
  }();
  const wire::Address dest = [&] {
    wire::Address a = wire::address_for(m.to);
    if (c.dest_ton) a.ton = *c.dest_ton;
    if (c.dest_npi) a.npi = *c.dest_npi;
    return a;
  }();
  auto base = [&] {
    wire::Pdu p;
    p.command_id = wire::command::kSubmitSm;
    p.source = source;
    p.dest = dest;
    p.data_coding = plan.data_coding;
    return p;
  };

  if (whole->size() <= single_cap) {
    wire::Pdu p = base();
    p.short_message = *whole;
    p.registered_delivery = c.registered_delivery;
    plan.parts.push_back(std::move(p));
    return plan;
  }
  if (c.long_messages == wire::LongMessages::kPayload) {
    wire::Pdu p = base();
    p.set_tlv(wire::tag::kMessagePayload, *whole);
    p.registered_delivery = c.registered_delivery;
    plan.parts.push_back(std::move(p));
    return plan;
  }

  std::vector<std::string> texts;
  const SegmentInfo info = analyze_segments(m.body);
  const bool same = (alphabet == wire::Alphabet::kGsm7 && info.encoding == Encoding::kGsm7) ||
                    (alphabet == wire::Alphabet::kUcs2 && info.encoding == Encoding::kUcs2);
  if (same) {
    texts = info.parts;
  } else if (alphabet == wire::Alphabet::kLatin1) {
    texts = split_by_units(m.body, 134, latin1_units);
  } else {
    texts = split_by_units(m.body, 67, utf16_units);
  }
  if (texts.size() > 255) {
    return failure(
        FailureKind::kPermanent, "smpp_too_many_parts",
        "the body needs " + std::to_string(texts.size()) + " parts; SMPP concatenation allows 255");
  }
  plan.total = static_cast<int>(texts.size());
  for (int i = 0; i < plan.total; ++i) {
    wire::Pdu p = base();
    auto octets = wire::encode_text(texts[i], alphabet);
    if (!octets) octets = wire::encode_ucs2(texts[i]);  // not reached: the whole body encoded
    const wire::Concat concat{reference, static_cast<uint8_t>(plan.total),
                              static_cast<uint8_t>(i + 1)};
    if (c.long_messages == wire::LongMessages::kUdh) {
      p.esm_class |= wire::esm::kUdhi;
      p.short_message = wire::concat_udh(concat) + *octets;
    } else {
      p.short_message = *octets;
      p.set_tlv_int(wire::tag::kSarMsgRefNum, reference, 2);
      p.set_tlv_int(wire::tag::kSarTotalSegments, concat.total, 1);
      p.set_tlv_int(wire::tag::kSarSegmentSeqnum, concat.seq, 1);
    }
    p.registered_delivery = i + 1 == plan.total ? c.registered_delivery : 0;
    plan.parts.push_back(std::move(p));
  }
  return plan;
}

bool is_throttle(uint32_t s) {
  return s == wire::status::kThrottled || s == wire::status::kMsgQFul;
}

bool needs_rebind(uint32_t s) {
  return s == wire::status::kInvBndSts || s == wire::status::kBindFail;
}

FailureKind classify_status(uint32_t s) {
  namespace st = wire::status;
  constexpr uint32_t kInvDcs = 0x00000104;  // ESME_RINVDCS (SMPP 5.0, widely used with 3.4)
  switch (s) {
    case st::kThrottled:
    case st::kMsgQFul:
      return FailureKind::kRateLimited;
    // The message (or our PDU for it) is wrong: sending it again gets the same answer.
    case st::kInvMsgLen:
    case st::kInvPrtFlg:
    case st::kInvRegDlvFlg:
    case st::kInvSrcAdr:
    case st::kInvDstAdr:
    case st::kInvSerTyp:
    case st::kInvNumDests:
    case st::kInvDlName:
    case st::kInvDestFlag:
    case st::kInvSubRep:
    case st::kInvEsmClass:
    case st::kCntSubDl:
    case st::kInvSrcTon:
    case st::kInvSrcNpi:
    case st::kInvDstTon:
    case st::kInvDstNpi:
    case st::kInvRepFlag:
    case st::kInvNumMsgs:
    case st::kInvSched:
    case st::kInvExpiry:
    case st::kInvDftMsgId:
    case st::kXPAppn:
    case st::kXRAppn:
    case st::kInvOptParStream:
    case st::kOptParNotAllwd:
    case st::kInvParLen:
    case st::kMissingOptParam:
    case st::kInvOptParamVal:
    case kInvDcs:
      return FailureKind::kPermanent;
    // Our credentials or system type: an operator has to act.
    case st::kInvPaswd:
    case st::kInvSysId:
    case st::kInvSysTyp:
      return FailureKind::kAuth;
    // RSYSERR, RSUBMITFAIL, RX_T_APPN, RDELIVERYFAILURE, RINVBNDSTS / RBINDFAIL (the session is
    // rebound), RUNKNOWNERR and anything unknown: worth another attempt.
    default:
      return FailureKind::kTransient;
  }
}

SendFailure submit_failure(uint32_t s, int part, int total) {
  SendFailure f;
  f.kind = classify_status(s);
  f.code = wire::status_name(s);
  f.message = "the SMSC refused submit_sm" +
              (total > 1 ? " (part " + std::to_string(part) + " of " + std::to_string(total) + ")"
                         : std::string()) +
              " with " + f.code;
  f.sender_refused = s == wire::status::kInvSrcAdr || s == wire::status::kInvSrcTon ||
                     s == wire::status::kInvSrcNpi;
  return f;
}

std::optional<Status> status_of_receipt(const wire::Receipt& r) {
  std::optional<wire::MessageState> state = r.state;
  if (!state && !r.stat.empty()) state = wire::state_from_word(r.stat);
  if (!state) return std::nullopt;
  switch (*state) {
    case wire::MessageState::kDelivered:
      return Status::kDelivered;
    case wire::MessageState::kExpired:
    case wire::MessageState::kDeleted:
    case wire::MessageState::kUndeliverable:
    case wire::MessageState::kUnknown:
      return Status::kUndelivered;
    case wire::MessageState::kRejected:
      return Status::kFailed;
    case wire::MessageState::kEnroute:
    case wire::MessageState::kAccepted:
      return Status::kSent;
  }
  return std::nullopt;
}

namespace {

std::optional<uint64_t> parse_base(std::string_view s, int base) {
  if (s.empty() || s.size() > 32) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

bool all_digits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char ch) { return std::isdigit(ch) != 0; });
}

}  // namespace

void ReceiptIdIndex::add(const std::string& id) {
  if (id.empty()) return;
  example_ = id;
  order_.push_back(id);
  ++exact_[id];
  if (auto v = parse_base(id, 16)) by_hex_[*v] = id;
  if (all_digits(id)) {
    if (auto v = parse_base(id, 10)) by_dec_[*v] = id;
  }
  while (order_.size() > capacity_) {
    const std::string old = std::move(order_.front());
    order_.pop_front();
    if (--exact_[old] > 0) continue;  // a later copy keeps it
    exact_.erase(old);
    if (auto v = parse_base(old, 16); v && by_hex_.count(*v) && by_hex_[*v] == old) {
      by_hex_.erase(*v);
    }
    if (auto v = parse_base(old, 10); v && by_dec_.count(*v) && by_dec_[*v] == old) {
      by_dec_.erase(*v);
    }
  }
}

std::optional<std::string> ReceiptIdIndex::find(const std::string& receipt_id) const {
  if (exact_.count(receipt_id)) return receipt_id;
  std::vector<const std::string*> candidates;
  // The usual mismatch first: resp ids in hex, receipts in decimal.
  if (all_digits(receipt_id)) {
    if (auto v = parse_base(receipt_id, 10)) {
      if (auto it = by_hex_.find(*v); it != by_hex_.end()) candidates.push_back(&it->second);
      if (auto it = by_dec_.find(*v); it != by_dec_.end()) candidates.push_back(&it->second);
    }
  }
  if (auto v = parse_base(receipt_id, 16)) {
    if (auto it = by_dec_.find(*v); it != by_dec_.end()) candidates.push_back(&it->second);
    if (auto it = by_hex_.find(*v); it != by_hex_.end()) candidates.push_back(&it->second);
  }
  for (const std::string* c : candidates) {
    if (wire::same_message_id(receipt_id, *c)) return *c;
  }
  return std::nullopt;
}

std::string receipt_id_for(const std::string& receipt_id, wire::IdFormat format,
                           const ReceiptIdIndex& index) {
  if (format == wire::IdFormat::kAuto) return index.find(receipt_id).value_or(receipt_id);
  return wire::resp_spelling(receipt_id, format, index.example());
}

}  // namespace sb::providers::smpp
