// `switchboard segments` and `switchboard phone`: the API's answers, as a table or JSON lines.
#include "app/tools_cli.h"

#include <cctype>
#include <cstdio>
#include <functional>
#include <istream>
#include <ostream>

#include "core/phone.h"
#include "core/utf8.h"
#include "http/api.h"

namespace sb::app {
namespace {

using nlohmann::json;
using Answer = std::function<Result<json>(const json& request)>;

// The API's error body ({"error": {"code", "message", "field"}}), one line.
std::string error_line(const Error& e) { return http::Response::error(e).body; }

// Answers one JSON request per line of `in` (blank lines skipped), one response line each.
int run_lines(std::istream& in, std::ostream& out, const Answer& answer) {
  int rc = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    auto request = http::parse_json_object(line);
    auto result = request ? answer(*request) : Result<json>(request.error());
    if (result) {
      out << result->dump() << '\n';
    } else {
      out << error_line(result.error()) << '\n';
      rc = 1;
    }
    out.flush();  // a caller feeding requests one at a time gets each answer at once
  }
  return rc;
}

// Answers the one request built from the command line: JSON or a table (`print`) on `out`.
int run_one(const json& request, bool as_json, std::ostream& out, std::ostream& err,
            const Answer& answer, const std::function<void(const json&, std::ostream&)>& print) {
  auto result = answer(request);
  if (!result) {
    if (as_json) {
      out << error_line(result.error()) << '\n';
    } else {
      err << "switchboard: " << result.error().code << ": " << result.error().message << '\n';
    }
    return 1;
  }
  if (as_json) {
    out << result->dump() << '\n';
  } else {
    print(*result, out);
  }
  return 0;
}

// A string for display: JSON-quoted, so line breaks and odd spaces show.
std::string quoted(const json& s) { return s.dump(); }

std::string code_points(const std::string& s) {
  std::string out;
  for (char32_t cp : utf8::decode(s)) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%sU+%04X", out.empty() ? "" : " ", static_cast<unsigned>(cp));
    out += buf;
  }
  return out;
}

void row(std::ostream& out, std::string_view label, const std::string& value) {
  out << label << ':' << std::string(label.size() < 15 ? 15 - label.size() : 1, ' ') << value
      << '\n';
}

void print_segments(const json& r, std::ostream& out) {
  const bool gsm = r["encoding"] == "GSM-7";
  const std::string unit = gsm ? "septets" : "UTF-16 units";
  row(out, "encoding", r["encoding"].get<std::string>());
  row(out, "segments", std::to_string(r["segments"].get<int>()));
  std::string units = std::to_string(r["total_units"].get<int>()) + " " + unit;
  if (r["segments"].get<int>() > 0) {
    std::string split;
    for (const auto& u : r["units_per_segment"]) {
      split += (split.empty() ? "" : " + ") + std::to_string(u.get<int>());
    }
    units += " (" + split + "; at most " + std::to_string(r["units_per_part"].get<int>()) +
             " per segment)";
  }
  row(out, "units", units);
  row(out, "characters",
      std::to_string(r["characters"].get<int>()) + " of at most " +
          std::to_string(r["max_characters"].get<int>()) + " (" +
          std::to_string(r["code_points"].get<int>()) + " code points)");
  if (r["non_gsm_characters"].empty()) {
    row(out, "non-GSM", "none");
  } else {
    std::string list;
    for (const auto& c : r["non_gsm_characters"]) {
      const auto& s = c.get_ref<const std::string&>();
      list += (list.empty() ? "" : ", ") + s + " (" + code_points(s) + ")";
    }
    row(out, "non-GSM", list);
  }
  if (!r["smart_encoding"].get<bool>()) {
    row(out, "smart encoding", "off");
  } else if (r["smart_encoding_applied"].get<bool>()) {
    row(out, "smart encoding",
        "applied (" + std::to_string(r["replaced_characters"].get<int>()) +
            " characters replaced)");
    row(out, "body", quoted(r["body"]));
  } else {
    row(out, "smart encoding", "on, not applied (nothing to replace, or the body stays UCS-2)");
  }
  int i = 0;
  for (const auto& p : r["parts"]) row(out, "part " + std::to_string(++i), quoted(p));
}

std::string yes_no(const json& b) { return b.get<bool>() ? "yes" : "no"; }

void print_lookup(const json& r, std::ostream& out) {
  row(out, "input", r["input"].get<std::string>());
  if (!r["valid"].get<bool>()) {
    row(out, "valid", "no: " + r["reason"].get<std::string>());
    if (r["message"].is_string()) row(out, "why", r["message"].get<std::string>());
    return;
  }
  row(out, "valid", "yes");
  row(out, "kind", r["kind"].get<std::string>());
  if (r["kind"] == "phone_number") {
    row(out, "e164", r["e164"].get<std::string>());
    row(out, "region",
        r["number_region"].get<std::string>() + " (country code " +
            std::to_string(r["country_code"].get<int>()) + ")");
    row(out, "type", r["type"].get<std::string>());
    row(out, "national", r["national"].get<std::string>());
    row(out, "international", r["international"].get<std::string>());
    if (r["extension"].is_string()) row(out, "extension", r["extension"].get<std::string>());
  } else {
    row(out, "value", r["value"].get<std::string>());
    if (r["number_region"].is_string()) row(out, "region", r["number_region"].get<std::string>());
  }
  row(out, "sender", yes_no(r["valid_as"]["sender"]));
  row(out, "recipient", yes_no(r["valid_as"]["recipient"]));
}

}  // namespace

int run_segments(const SegmentsArgs& args, std::istream& in, std::ostream& out, std::ostream& err) {
  const Answer answer = [&](const json& j) { return http::segments_answer(j, args.smart); };
  if (args.text == "-") return run_lines(in, out, answer);
  return run_one({{"body", args.text}, {"smart_encoding", args.smart}}, args.json, out, err, answer,
                 print_segments);
}

int run_phone(const PhoneArgs& args, std::istream& in, std::ostream& out, std::ostream& err) {
  std::string region = args.region;
  for (auto& c : region) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (!is_supported_region(region)) {
    err << "switchboard: --region: unknown region '" << args.region
        << "'; use an ISO 3166 code such as US or GB\n";
    return 2;
  }
  const Answer answer = [&](const json& j) { return http::lookup_answer(j, region); };
  if (args.input == "-") return run_lines(in, out, answer);
  return run_one({{"number", args.input}}, args.json, out, err, answer, print_lookup);
}

}  // namespace sb::app
