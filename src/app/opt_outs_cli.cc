// Opt-out CSV import and export.
#include "app/opt_outs_cli.h"

#include <fstream>
#include <iostream>
#include <vector>

#include "app/app.h"
#include "app/opt_out_csv.h"

namespace sb::app {
namespace {

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
    auto row = read_opt_out_line(line, line_no, account, region, our_numbers, now);
    if (!row) {
      reject(row.error().message);
      continue;
    }
    if (!*row) continue;  // blank, or the header
    const OptOut& o = **row;
    auto r = st.compliance().add_opt_out(o, "");
    if (!r) throw std::runtime_error("line " + std::to_string(line_no) + ": " + r.error().message);
    (r->created ? added : existing)++;
  }
  out << "imported " << added << " opt-out(s), " << existing << " already present, " << bad
      << " bad line(s)\n";
  return bad == 0 ? 0 : 1;
}

int export_opt_outs(store::Store& st, const std::string& account, std::ostream& out) {
  out << kOptOutCsvHeader << '\n';
  OptOutFilter f;
  f.account = account;
  f.limit = 1000;
  for (;;) {
    const auto rows = value_or_throw(st.compliance().list_opt_outs(f));
    for (const auto& o : rows) {
      out << opt_out_csv_line(o) << '\n';
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
