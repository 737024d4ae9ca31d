// Opt-out CSV import and export.
#include "app/opt_outs_cli.h"

#include <fstream>
#include <iostream>
#include <vector>

#include "app/app.h"
#include "core/phone.h"

namespace sb::app {
namespace {

// Splits one CSV line; fields may be double-quoted ("" inside quotes is a quote).
std::vector<std::string> split_csv(const std::string& line) {
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

std::unique_ptr<store::Store> open_store_for(const Config& c) {
  auto s = store::open_store(c.database_url, SystemClock::instance());
  if (!s) throw std::runtime_error("database: " + s.error().message);
  auto v = (*s)->migrate();
  if (!v) throw std::runtime_error("database migration: " + v.error().message);
  return std::move(*s);
}

}  // namespace

int import_opt_outs(store::Store& st, const std::string& account, const std::string& region,
                    const std::set<std::string>& our_numbers, std::istream& in, std::ostream& out,
                    std::ostream& err, TimeMs now) {
  std::string line;
  int line_no = 0, added = 0, existing = 0, bad = 0;
  const auto reject = [&](const std::string& why) {
    err << "line " << line_no << ": " << why << '\n';
    ++bad;
  };
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    auto f = split_csv(line);
    if (line_no == 1 && f[0] == "number") continue;  // header
    if (f.size() > 5) {
      reject("expected at most 5 fields (number,scope,our_number,source,created_at)");
      continue;
    }
    f.resize(5);
    OptOut o;
    o.account = account;
    auto number = parse_phone(f[0], region, "number");
    if (!number) {
      reject("number '" + f[0] + "': " + number.error().message);
      continue;
    }
    o.number = number->e164;
    o.scope = f[1].empty() ? "account" : f[1];
    if (o.scope != "account" && o.scope != "number") {
      reject("scope must be account or number, not '" + f[1] + "'");
      continue;
    }
    if (o.scope == "number") {
      auto ours = parse_phone(f[2], region, "our_number");
      if (f[2].empty() || !ours || !our_numbers.count(ours->e164)) {
        reject("our_number '" + f[2] + "' is not a configured number of account " + account);
        continue;
      }
      o.our_number = ours->e164;
    } else if (!f[2].empty()) {
      reject("our_number is only for scope number");
      continue;
    }
    o.source = f[3].empty() ? "import" : f[3];
    if (o.source != "keyword" && o.source != "api" && o.source != "provider_error" &&
        o.source != "import") {
      reject("source must be keyword, api, provider_error or import, not '" + f[3] + "'");
      continue;
    }
    o.created_at = now;
    if (!f[4].empty()) {
      auto t = parse_rfc3339(f[4]);
      if (!t) {
        reject("created_at '" + f[4] + "' is not an RFC 3339 time");
        continue;
      }
      o.created_at = *t;
    }
    auto r = st.compliance().add_opt_out(o, "");
    if (!r) throw std::runtime_error("line " + std::to_string(line_no) + ": " + r.error().message);
    (r->created ? added : existing)++;
  }
  out << "imported " << added << " opt-out(s), " << existing << " already present, " << bad
      << " bad line(s)\n";
  return bad == 0 ? 0 : 1;
}

int export_opt_outs(store::Store& st, const std::string& account, std::ostream& out) {
  out << "number,scope,our_number,source,created_at\n";
  OptOutFilter f;
  f.account = account;
  f.limit = 1000;
  for (;;) {
    const auto rows = value_or_throw(st.compliance().list_opt_outs(f));
    for (const auto& o : rows) {
      out << o.number << ',' << o.scope << ',' << o.our_number << ',' << o.source << ','
          << format_rfc3339(o.created_at) << '\n';
    }
    if (static_cast<int>(rows.size()) < f.limit) break;
    f.after_id = rows.back().id;
  }
  return 0;
}

int opt_outs_import(const Config& config, const std::string& account, const std::string& file) {
  auto st = open_store_for(config);
  if (!value_or_throw(st->accounts().account_exists(account))) {
    throw std::runtime_error("no account '" + account + "' (create it with keys create)");
  }
  std::set<std::string> ours;
  for (const auto& n : config.numbers) {
    if (n.account == account) ours.insert(n.number);
  }
  const TimeMs now = SystemClock::instance().now_ms();
  if (file.empty() || file == "-") {
    return import_opt_outs(*st, account, config.default_region, ours, std::cin, std::cout,
                           std::cerr, now);
  }
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file);
  return import_opt_outs(*st, account, config.default_region, ours, in, std::cout, std::cerr,
                         now);
}

int opt_outs_export(const Config& config, const std::string& account, const std::string& file) {
  auto st = open_store_for(config);
  if (file.empty() || file == "-") return export_opt_outs(*st, account, std::cout);
  std::ofstream out(file);
  if (!out) throw std::runtime_error("cannot write " + file);
  return export_opt_outs(*st, account, out);
}

}  // namespace sb::app
