// The opt-out CSV format: one line read, one line written.
#include "app/opt_out_csv.h"

#include "core/phone.h"

namespace sb::app {

std::vector<std::string> split_csv(std::string_view line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back().push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back().push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back().push_back(c);
    }
  }
  for (auto& f : out) {
    while (!f.empty() && (f.back() == ' ' || f.back() == '\t')) f.pop_back();
    while (!f.empty() && (f.front() == ' ' || f.front() == '\t')) f.erase(0, 1);
  }
  return out;
}

Result<std::optional<OptOut>> read_opt_out_line(std::string_view line, int line_no,
                                                const std::string& account,
                                                const std::string& region,
                                                const std::set<std::string>& our_numbers,
                                                TimeMs now) {
  const auto reject = [](const std::string& why) { return Error::make("invalid_opt_out", why); };
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.find_first_not_of(" \t") == std::string_view::npos) return std::optional<OptOut>();
  auto f = split_csv(line);
  if (line_no == 1 && f[0] == "number") return std::optional<OptOut>();  // header
  if (f.size() > 5) {
    return reject("expected at most 5 fields (number,scope,our_number,source,created_at)");
  }
  f.resize(5);
  OptOut o;
  o.account = account;
  auto number = parse_phone(f[0], region, "number");
  if (!number) return reject("number '" + f[0] + "': " + number.error().message);
  o.number = number->e164;
  o.scope = f[1].empty() ? "account" : f[1];
  if (o.scope != "account" && o.scope != "number") {
    return reject("scope must be account or number, not '" + f[1] + "'");
  }
  if (o.scope == "number") {
    auto ours = parse_phone(f[2], region, "our_number");
    if (f[2].empty() || !ours || !our_numbers.count(ours->e164)) {
      return reject("our_number '" + f[2] + "' is not a configured number of account " + account);
    }
    o.our_number = ours->e164;
  } else if (!f[2].empty()) {
    return reject("our_number is only for scope number");
  }
  o.source = f[3].empty() ? "import" : f[3];
  if (o.source != "keyword" && o.source != "api" && o.source != "provider_error" &&
      o.source != "import") {
    return reject("source must be keyword, api, provider_error or import, not '" + f[3] + "'");
  }
  o.created_at = now;
  if (!f[4].empty()) {
    auto t = parse_rfc3339(f[4]);
    if (!t) return reject("created_at '" + f[4] + "' is not an RFC 3339 time");
    o.created_at = *t;
  }
  return std::optional<OptOut>(std::move(o));
}

std::string opt_out_csv_line(const OptOut& o) {
  return o.number + ',' + o.scope + ',' + o.our_number + ',' + o.source + ',' +
         format_rfc3339(o.created_at);
}

}  // namespace sb::app
