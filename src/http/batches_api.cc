// /v1/batches: uploads (CSV or JSON), dry runs, listing, pause, resume, cancel (see
// batches_api.h).
#include "http/batches_api.h"

#include <fstream>
#include <sstream>

#include "core/clock.h"
#include "http/api_util.h"

namespace sb::http {
namespace {

using nlohmann::json;

// A JSON batch is parsed whole: larger lists go as CSV, which is streamed.
constexpr size_t kMaxJsonBatchBytes = 32u << 20;

bool is_csv(const Request& req) {
  std::string type = req.header("content-type");
  for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type.rfind("text/csv", 0) == 0;
}

Result<bool> bool_text(const std::string& field, const std::string& v) {
  if (v == "true" || v == "1") return true;
  if (v == "false" || v == "0") return false;
  return Error::make("invalid_parameter", field + " must be true or false", field);
}

struct Parsed {
  BatchSpec spec;
  bool dry_run = false;
};

// The query of a CSV upload: body, from, pool, send_at, category, validity_period,
// status_callback, deduplicate, dry_run.
Result<Parsed> parse_query(const Request& req) {
  Parsed p;
  for (const auto& [k, v] : req.query) {
    if (k == "body") {
      p.spec.body = v;
    } else if (k == "from") {
      p.spec.from = v;
    } else if (k == "pool") {
      p.spec.pool = v;
    } else if (k == "send_at") {
      auto t = parse_send_at(v);
      if (!t) return t.error();
      p.spec.send_at = *t;
    } else if (k == "category") {
      p.spec.category = v;
    } else if (k == "validity_period") {
      try {
        size_t used = 0;
        p.spec.validity_period_s = std::stoll(v, &used);
        if (used != v.size()) throw std::invalid_argument(v);
      } catch (const std::exception&) {
        return Error::make("invalid_parameter", "validity_period must be an integer (seconds)",
                           "validity_period");
      }
    } else if (k == "status_callback") {
      p.spec.status_callback = v;
    } else if (k == "deduplicate" || k == "dry_run") {
      auto b = bool_text(k, v);
      if (!b) return b.error();
      (k == "dry_run" ? p.dry_run : p.spec.deduplicate) = *b;
    } else {
      return Error::make("unknown_field", "unknown query parameter " + k, k);
    }
  }
  return p;
}

// The JSON form: {"body", "from" | "pool", "recipients": [{"to" | "contact_id", "variables"}],
// "send_at", "category", "validity_period", "status_callback", "deduplicate", "dry_run"}.
// Rows are the recipients' indexes; the columns are the recipient field then every variable
// any recipient has.
Result<std::pair<Parsed, std::vector<BatchRow>>> parse_json_batch(const json& body) {
  if (auto ok = only_fields(body, {"body", "from", "pool", "recipients", "send_at", "category",
                                   "validity_period", "status_callback", "deduplicate",
                                   "dry_run"});
      !ok) {
    return ok.error();
  }
  Parsed p;
  auto text = [&](const char* name) -> Result<std::optional<std::string>> {
    return string_field(body, name, false);
  };
  auto b = text("body");
  if (!b) return b.error();
  p.spec.body = b->value_or("");
  for (auto [name, target] : {std::pair{"from", &p.spec.from}, std::pair{"pool", &p.spec.pool}}) {
    auto v = text(name);
    if (!v) return v.error();
    *target = *v;
  }
  auto send_at = text("send_at");
  if (!send_at) return send_at.error();
  if (*send_at) {
    auto t = parse_send_at(**send_at);
    if (!t) return t.error();
    p.spec.send_at = *t;
  }
  auto category = text("category");
  if (!category) return category.error();
  if (*category) p.spec.category = **category;
  auto callback = text("status_callback");
  if (!callback) return callback.error();
  p.spec.status_callback = callback->value_or("");
  if (auto it = body.find("validity_period"); it != body.end() && !it->is_null()) {
    if (!it->is_number_integer()) return type_error("validity_period", "an integer (seconds)");
    p.spec.validity_period_s = it->get<int64_t>();
  }
  for (auto [name, target] :
       {std::pair{"deduplicate", &p.spec.deduplicate}, std::pair{"dry_run", &p.dry_run}}) {
    if (auto it = body.find(name); it != body.end() && !it->is_null()) {
      if (!it->is_boolean()) return type_error(name, "true or false");
      *target = it->get<bool>();
    }
  }
  auto it = body.find("recipients");
  if (it == body.end() || it->is_null()) {
    return Error::make("missing_field", "a batch needs recipients (or a CSV body)", "recipients");
  }
  if (!it->is_array()) return type_error("recipients", "an array of recipients");
  // The recipient field: `to` unless every recipient names a contact.
  bool contacts = !it->empty();
  for (const auto& r : *it) {
    if (!r.is_object() || !r.contains("contact_id")) contacts = false;
  }
  const std::string recipient = contacts ? "contact_id" : "to";
  std::vector<std::string> columns{recipient};
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < it->size(); ++i) {
    const json& r = (*it)[i];
    const std::string at = "recipients[" + std::to_string(i) + "]";
    if (!r.is_object()) return type_error(at, "an object with `to` and `variables`");
    for (const auto& [k, v] : r.items()) {
      if (k != "to" && k != "contact_id" && k != "variables") {
        return Error::make("unknown_field", "unknown field " + k + " in " + at, at + "." + k);
      }
    }
    if (auto v = r.find("variables"); v != r.end() && !v->is_null()) {
      if (!v->is_object()) return type_error(at + ".variables", "an object of strings");
      for (const auto& [k, val] : v->items()) {
        if (!val.is_string() && !val.is_number()) {
          return type_error(at + ".variables." + k, "a string or a number");
        }
        if (k != recipient && index.emplace(k, columns.size()).second) columns.push_back(k);
      }
    }
  }
  std::vector<BatchRow> rows;
  rows.reserve(it->size());
  for (size_t i = 0; i < it->size(); ++i) {
    const json& r = (*it)[i];
    const std::string at = "recipients[" + std::to_string(i) + "]";
    BatchRow row;
    row.row = static_cast<int64_t>(i);
    row.fields.resize(columns.size());
    auto who = r.find(recipient);
    if (who == r.end() || !who->is_string()) {
      return Error::make("missing_field", at + " needs `" + recipient + "` as a string",
                         at + "." + recipient);
    }
    row.fields[0] = who->get<std::string>();
    if (auto v = r.find("variables"); v != r.end() && v->is_object()) {
      for (const auto& [k, val] : v->items()) {
        if (k == recipient) continue;
        row.fields[index.at(k)] = val.is_string() ? val.get<std::string>() : val.dump();
      }
    }
    rows.push_back(std::move(row));
  }
  p.spec.columns = std::move(columns);
  return std::pair{std::move(p), std::move(rows)};
}

json error_json(const BatchError& e) {
  return {{"row", e.row}, {"field", e.field}, {"code", e.code}, {"message", e.message}};
}

json time_or_null(std::optional<TimeMs> t) {
  return t ? json(format_rfc3339(*t)) : json(nullptr);
}

json batch_json(const engine::BatchView& v) {
  const Batch& b = v.batch;
  json out = {
      {"id", b.id},
      {"status", b.status},
      {"source", b.spec.source},
      {"body", b.spec.body},
      {"from", b.spec.from ? json(*b.spec.from) : json(nullptr)},
      {"pool", b.spec.pool ? json(*b.spec.pool) : json(nullptr)},
      {"send_at", time_or_null(b.spec.send_at)},
      {"category", b.spec.category},
      {"validity_period",
       b.spec.validity_period_s ? json(*b.spec.validity_period_s) : json(nullptr)},
      {"status_callback",
       b.spec.status_callback.empty() ? json(nullptr) : json(b.spec.status_callback)},
      {"deduplicate", b.spec.deduplicate},
      {"columns", b.spec.columns},
      {"rows_processed", batch_rows_processed(b)},
      {"counts", batch_counts_json(b, v.messages)},
      {"created_at", format_rfc3339(b.created_at)},
      {"updated_at", format_rfc3339(b.updated_at)},
      {"finished_at", time_or_null(b.finished_at)},
  };
  json errors = json::array();
  for (const auto& e : v.errors) errors.push_back(error_json(e));
  out["errors"] = std::move(errors);
  out["errors_next"] = v.errors_next ? json(*v.errors_next) : json(nullptr);
  return out;
}

json dry_run_json(const engine::BatchDryRun& d) {
  json errors = json::array();
  for (const auto& e : d.errors) errors.push_back(error_json(e));
  json preview = json::array();
  for (const auto& p : d.preview) {
    preview.push_back({{"row", p.row},
                       {"to", p.to},
                       {"from", p.from},
                       {"body", p.body},
                       {"segments", p.segments},
                       {"encoding", p.encoding}});
  }
  return {{"dry_run", true},
          {"counts",
           {{"total", d.total},
            {"messages", d.messages},
            {"invalid", d.skips.invalid},
            {"opted_out", d.skips.opted_out},
            {"duplicates", d.skips.duplicates}}},
          {"segments", {{"total", d.segments_total}, {"by_encoding", d.segments}}},
          {"errors", std::move(errors)},
          {"preview", std::move(preview)}};
}

Result<int64_t> int_param(const Request& req, const char* name, int64_t fallback, int64_t min,
                          int64_t max) {
  auto v = req.query_param(name);
  if (!v) return fallback;
  try {
    size_t used = 0;
    const int64_t n = std::stoll(*v, &used);
    if (used == v->size() && n >= min && n <= max) return n;
  } catch (const std::exception&) {
  }
  return Error::make("invalid_parameter",
                     std::string(name) + " must be an integer from " + std::to_string(min) +
                         " to " + std::to_string(max),
                     name);
}

void upload(engine::Batches& batches, Request& req, const std::string& account, Reply reply) {
  const auto answer_view = [&](Result<engine::BatchView> v) {
    if (!v) return reply(Response::error(v.error()));
    reply(Response::json(202, batch_json(*v)));
  };
  const auto answer_dry = [&](Result<engine::BatchDryRun> d) {
    if (!d) return reply(Response::error(d.error()));
    reply(Response::json(200, dry_run_json(*d)));
  };
  if (is_csv(req)) {
    auto parsed = parse_query(req);
    if (!parsed) return reply(Response::error(parsed.error()));
    std::ifstream file;
    std::istringstream memory;
    std::istream* in = &memory;
    if (!req.body_file.empty()) {
      file.open(req.body_file, std::ios::binary);
      if (!file) {
        return reply(Response::error(
            Error::make("storage_unavailable", "the upload could not be read; retry later")));
      }
      in = &file;
    } else {
      memory.str(std::move(req.body));
    }
    if (parsed->dry_run) return answer_dry(batches.dry_run_csv(account, parsed->spec, *in));
    return answer_view(batches.create_csv(account, parsed->spec, *in));
  }
  if (!req.query.empty()) {
    return reply(Response::error(Error::make(
        "unknown_field", "query parameters describe a CSV upload (Content-Type: text/csv)",
        req.query.front().first)));
  }
  std::string text;
  if (!req.body_file.empty()) {
    std::ifstream file(req.body_file, std::ios::binary | std::ios::ate);
    if (!file) {
      return reply(Response::error(
          Error::make("storage_unavailable", "the upload could not be read; retry later")));
    }
    const auto size = static_cast<size_t>(file.tellg());
    if (size > kMaxJsonBatchBytes) {
      return reply(Response::error(Error::make(
          "payload_too_large", "a JSON batch is at most " + std::to_string(kMaxJsonBatchBytes) +
                                   " bytes; send larger batches as CSV (Content-Type: text/csv)")));
    }
    text.resize(size);
    file.seekg(0);
    file.read(text.data(), static_cast<std::streamsize>(size));
  } else {
    text = std::move(req.body);
  }
  auto body = parse_json_object(text);
  if (!body) return reply(Response::error(body.error()));
  auto parsed = parse_json_batch(*body);
  if (!parsed) return reply(Response::error(parsed.error()));
  auto& [p, rows] = *parsed;
  if (p.dry_run) return answer_dry(batches.dry_run_rows(account, p.spec, std::move(rows)));
  answer_view(batches.create_rows(account, p.spec, std::move(rows)));
}

}  // namespace

void register_batches_api(Router& router, engine::Gateway& gw, engine::Batches& batches) {
  router.add("POST", "/v1/batches",
             authed(gw, kScopeMessagesSend,
                    [&batches](Request& req, const std::string& account, Reply reply) {
                      upload(batches, req, account, std::move(reply));
                    }));
  router.add("GET", "/v1/batches",
             authed(gw, kScopeMessagesRead,
                    [&batches](Request& req, const std::string& account, Reply reply) {
                      auto limit = limit_param(req);
                      if (!limit) return reply(Response::error(limit.error()));
                      auto page =
                          batches.list(account, req.query_param("cursor").value_or(""), *limit);
                      if (!page) return reply(Response::error(page.error()));
                      json data = json::array();
                      for (const auto& v : page->items) data.push_back(batch_json(v));
                      json next = page->more && !page->items.empty()
                                      ? json(page->items.back().batch.id)
                                      : json(nullptr);
                      reply(Response::json(200, {{"data", std::move(data)}, {"next_cursor", next}}));
                    }));
  router.add("GET", "/v1/batches/{id}",
             authed(gw, kScopeMessagesRead,
                    [&batches](Request& req, const std::string& account, Reply reply) {
                      auto after = int_param(req, "errors_after", 0, 0, INT64_MAX);
                      if (!after) return reply(Response::error(after.error()));
                      auto limit = int_param(req, "errors_limit", 100, 0, 1000);
                      if (!limit) return reply(Response::error(limit.error()));
                      auto v = batches.get(account, req.params["id"], *after,
                                           static_cast<int>(*limit));
                      if (!v) return reply(Response::error(v.error()));
                      reply(Response::json(200, batch_json(*v)));
                    }));
  using Op = Result<engine::BatchView> (engine::Batches::*)(const std::string&,
                                                             const std::string&);
  for (auto [action, op] : {std::pair{"pause", Op{&engine::Batches::pause}},
                            std::pair{"resume", Op{&engine::Batches::resume}},
                            std::pair{"cancel", Op{&engine::Batches::cancel}}}) {
    router.add("POST", std::string("/v1/batches/{id}/") + action,
               authed(gw, kScopeMessagesSend,
                      [&batches, op](Request& req, const std::string& account, Reply reply) {
                        auto v = (batches.*op)(account, req.params["id"]);
                        if (!v) return reply(Response::error(v.error()));
                        reply(Response::json(200, batch_json(*v)));
                      }));
  }
}

}  // namespace sb::http
