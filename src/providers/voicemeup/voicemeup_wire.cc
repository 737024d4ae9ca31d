// VoiceMeUp wire format: settings checks, request planning and splitting, form building, parsing.
#include "providers/voicemeup/voicemeup_wire.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/grapheme.h"
#include "core/segments.h"
#include "core/utf8.h"
#include "providers/transport/http_util.h"

namespace sb::providers::voicemeup {
namespace {

using nlohmann::json;

bool url_safe(std::string_view v) {
  return std::all_of(v.begin(), v.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
  });
}

int utf16_units(std::string_view s) {
  int n = 0;
  for (size_t i = 0; i < s.size();) n += utf8::next_unchecked(s, i) > 0xFFFF ? 2 : 1;
  return n;
}

std::string without_plus(const std::string& number) {
  return !number.empty() && number[0] == '+' ? number.substr(1) : number;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// A JSON scalar as text (VoiceMeUp's `_content` is usually a string; be lenient).
std::string text_of(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return {};
  return v.dump();
}

struct Parsed {
  bool readable = false;  // a JSON object with response_details.response_status
  std::string status;     // "success" | "error" | ...
  std::vector<std::pair<std::string, std::string>> messages;  // (code, _content)
};

// response_details.response_messages.message is a list, or a single object when there is one.
Parsed parse_body(const std::string& body) {
  Parsed p;
  const json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return p;
  auto details = j.find("response_details");
  if (details == j.end() || !details->is_object()) return p;
  auto status = details->find("response_status");
  if (status == details->end() || !status->is_string()) return p;
  p.readable = true;
  p.status = status->get<std::string>();
  auto msgs = details->find("response_messages");
  if (msgs == details->end() || !msgs->is_object()) return p;
  auto list = msgs->find("message");
  if (list == msgs->end()) return p;
  const auto add = [&](const json& m) {
    if (!m.is_object()) return;
    p.messages.emplace_back(m.contains("code") ? text_of(m["code"]) : std::string(),
                            m.contains("_content") ? text_of(m["_content"]) : std::string());
  };
  if (list->is_array()) {
    for (const auto& m : *list) add(m);
  } else {
    add(*list);
  }
  return p;
}

}  // namespace

Result<Options> options_from_settings(const ConnectorSettings& s) {
  Options o;
  o.id = s.id;
  if (!s.base_url.empty()) {
    if (s.base_url.rfind("http://", 0) != 0 && s.base_url.rfind("https://", 0) != 0) {
      return setting_error(s, "base_url", "must be an http:// or https:// URL");
    }
    o.base_url = s.base_url;
    while (!o.base_url.empty() && o.base_url.back() == '/') o.base_url.pop_back();
  }
  o.username = setting_value(s, "username");
  o.auth_token = setting_value(s, "auth_token");
  o.webhook_secret = setting_value(s, "webhook_secret");
  if (o.username.empty()) return setting_error(s, "username", "is required for provider voicemeup");
  if (has_space_or_control(o.username)) {
    return setting_error(s, "username", "must not contain spaces or control characters");
  }
  if (o.auth_token.empty()) {
    return setting_error(s, "auth_token", "is required for provider voicemeup");
  }
  if (has_space_or_control(o.auth_token)) {
    return setting_error(s, "auth_token", "must not contain spaces or control characters");
  }
  if (s.values.count("webhook_secret") &&
      (o.webhook_secret.size() < 16 || !url_safe(o.webhook_secret))) {
    return setting_error(s, "webhook_secret",
                         "must be at least 16 characters of A-Z a-z 0-9 - _ . ~ (it goes into the "
                         "callback URL)");
  }
  o.timeout_ms = static_cast<int>(std::clamp<int64_t>(s.timeout_ms, 1, 600'000));
  o.max_concurrency = static_cast<int>(std::clamp<int64_t>(s.max_concurrency, 1, 10'000));
  return o;
}

std::vector<std::string> split_text(std::string_view body, int max_units) {
  std::vector<std::string> out;
  if (body.empty()) return out;
  if (utf16_units(body) <= max_units) {
    out.emplace_back(body);
    return out;
  }
  // Byte offsets where SMS segments end: preferred cut points.
  std::vector<size_t> segment_ends;
  size_t offset = 0;
  for (const auto& part : analyze_segments(body).parts) {
    offset += part.size();
    segment_ends.push_back(offset);
  }
  const auto ends_segment = [&](size_t at) {
    return std::binary_search(segment_ends.begin(), segment_ends.end(), at);
  };
  const std::vector<std::string_view> clusters = grapheme::split(body);
  std::vector<int> units(clusters.size());
  for (size_t i = 0; i < clusters.size(); ++i) units[i] = utf16_units(clusters[i]);
  const auto end_of = [&](size_t i) {
    return static_cast<size_t>(clusters[i].data() - body.data()) + clusters[i].size();
  };

  size_t i = 0;  // first cluster not yet in a piece
  while (i < clusters.size()) {
    const size_t start = static_cast<size_t>(clusters[i].data() - body.data());
    if (units[i] > max_units) {
      // One cluster longer than a whole piece: the only case where code points are separated.
      std::string_view c = clusters[i];
      size_t from = 0;
      int used = 0;
      for (size_t k = 0; k < c.size();) {
        const size_t at = k;
        const int cost = utf8::next_unchecked(c, k) > 0xFFFF ? 2 : 1;
        if (used + cost > max_units) {
          out.emplace_back(c.substr(from, at - from));
          from = at;
          used = 0;
        }
        used += cost;
      }
      out.emplace_back(c.substr(from));
      ++i;
      continue;
    }
    // Extend over whole clusters while they fit; remember the last fitting segment boundary.
    size_t last_fit = i;
    size_t last_segment_fit = clusters.size();  // none yet
    int used = 0;
    for (size_t j = i; j < clusters.size() && used + units[j] <= max_units; ++j) {
      used += units[j];
      last_fit = j;
      if (j + 1 == clusters.size() || ends_segment(end_of(j))) last_segment_fit = j;
    }
    const size_t last = last_segment_fit < clusters.size() ? last_segment_fit : last_fit;
    out.emplace_back(body.substr(start, end_of(last) - start));
    i = last + 1;
  }
  return out;
}

std::vector<Part> plan_requests(const Message& m) {
  const std::vector<std::string> texts = split_text(m.body);
  const size_t n = std::max(texts.size(), m.media_urls.size());
  std::vector<Part> parts(n);
  for (size_t i = 0; i < n; ++i) {
    if (i < texts.size()) parts[i].text = texts[i];
    if (i < m.media_urls.size()) parts[i].attachment = m.media_urls[i];
  }
  return parts;
}

HttpRequest build_send_request(const Options& o, const Message& m, const Part& part) {
  FormFields f = {{"username", o.username},
                  {"auth_token", o.auth_token},
                  {"source_number", without_plus(m.from)},
                  {"destination_number", without_plus(m.to)}};
  if (!part.text.empty()) f.emplace_back("message", part.text);
  if (!part.attachment.empty()) f.emplace_back("attachment", part.attachment);
  HttpRequest r;
  r.method = "POST";
  r.url = o.base_url + std::string(kQueueSmsPath);
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
               {"Accept", "application/json"}};
  r.body = form_encode(f);
  r.timeout_ms = o.timeout_ms;
  return r;
}

FailureKind classify_error_code(std::string_view code) {
  const std::string c = lower(code);
  for (std::string_view w :
       {"auth", "permission", "login", "credential", "token", "password", "unauthorized",
        "forbidden", "access_denied", "balance", "fund", "credit", "suspended"}) {
    if (contains(c, w)) return FailureKind::kAuth;
  }
  for (std::string_view w : {"rate_limit", "ratelimit", "throttl", "too_many"}) {
    if (contains(c, w)) return FailureKind::kRateLimited;
  }
  for (std::string_view w : {"internal", "server_error", "unavailable", "temporar", "timeout",
                             "try_again", "maintenance"}) {
    if (contains(c, w)) return FailureKind::kTransient;
  }
  return FailureKind::kPermanent;
}

SendResult parse_send_response(const HttpResponse& r, TimeMs now) {
  if (r.status == 0) return classify_failure(r, now, "", "");
  const Parsed p = parse_body(r.body);
  const bool ok_status = r.status >= 200 && r.status < 300;
  if (ok_status && p.readable && p.status == "success") {
    SendAccepted a;
    a.provider_status = "queued";
    for (const auto& [code, content] : p.messages) {
      if (code == kQueuedHashCode) {
        a.provider_message_id = content;
        break;
      }
    }
    return a;
  }
  std::string code;
  std::string message;
  if (p.readable && !p.messages.empty()) {
    code = p.messages.front().first;
    message = p.messages.front().second;
    if (message.empty()) message = code;
  }
  if (ok_status) {
    if (!p.readable) {
      SendFailure f;
      f.kind = FailureKind::kTransient;
      f.code = "invalid_response";
      f.message =
          "HTTP " + std::to_string(r.status) + " with an unreadable body: " + r.body.substr(0, 200);
      return f;
    }
    SendFailure f;
    f.code = code.empty() ? "response_status_" + p.status : code;
    f.message =
        message.empty() ? "VoiceMeUp answered response_status \"" + p.status + "\"" : message;
    f.kind = classify_error_code(f.code);
    return f;
  }
  SendFailure f = classify_failure(r, now, code, message);
  // A 4xx that only says "rejected" by status: the code knows better (e.g. a 400 for a bad token).
  if (f.kind == FailureKind::kPermanent && !code.empty()) f.kind = classify_error_code(code);
  return f;
}

}  // namespace sb::providers::voicemeup
