// Batches: the stored forms of a batch's spec and rows (see batch.h).
#include "core/batch.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace sb {
namespace {

using nlohmann::json;

Error bad_stored(const std::string& what, const std::exception& e) {
  return Error::make("storage_error", "a stored batch " + what + " is unreadable: " + e.what());
}

}  // namespace

std::string batch_spec_to_json(const BatchSpec& s) {
  json j = {{"body", s.body},
            {"category", s.category},
            {"status_callback", s.status_callback},
            {"deduplicate", s.deduplicate},
            {"source", s.source},
            {"columns", s.columns}};
  if (s.from) j["from"] = *s.from;
  if (s.pool) j["pool"] = *s.pool;
  if (s.send_at) j["send_at"] = *s.send_at;
  if (s.validity_period_s) j["validity_period_s"] = *s.validity_period_s;
  return j.dump();
}

Result<BatchSpec> batch_spec_from_json(std::string_view text) {
  try {
    const json j = json::parse(text);
    BatchSpec s;
    s.body = j.at("body").get<std::string>();
    s.category = j.at("category").get<std::string>();
    s.status_callback = j.at("status_callback").get<std::string>();
    s.deduplicate = j.at("deduplicate").get<bool>();
    s.source = j.at("source").get<std::string>();
    s.columns = j.at("columns").get<std::vector<std::string>>();
    if (j.contains("from")) s.from = j["from"].get<std::string>();
    if (j.contains("pool")) s.pool = j["pool"].get<std::string>();
    if (j.contains("send_at")) s.send_at = j["send_at"].get<TimeMs>();
    if (j.contains("validity_period_s")) s.validity_period_s = j["validity_period_s"].get<int64_t>();
    return s;
  } catch (const std::exception& e) {
    return bad_stored("spec", e);
  }
}

std::string batch_rows_to_json(const std::vector<BatchRow>& rows) {
  json out = json::array();
  for (const auto& r : rows) {
    json fields = json::array();
    for (const auto& f : r.fields) fields.push_back(f ? json(*f) : json(nullptr));
    out.push_back(json::array({r.row, std::move(fields)}));
  }
  return out.dump();
}

Result<std::vector<BatchRow>> batch_rows_from_json(std::string_view text) {
  try {
    const json j = json::parse(text);
    std::vector<BatchRow> rows;
    rows.reserve(j.size());
    for (const auto& r : j) {
      BatchRow row;
      row.row = r.at(0).get<int64_t>();
      for (const auto& f : r.at(1)) {
        row.fields.push_back(f.is_null() ? std::nullopt
                                         : std::optional<std::string>(f.get<std::string>()));
      }
      rows.push_back(std::move(row));
    }
    return rows;
  } catch (const std::exception& e) {
    return bad_stored("chunk", e);
  }
}

int64_t batch_rows_processed(const Batch& b) {
  return std::min<int64_t>(b.total, static_cast<int64_t>(b.next_chunk) * kBatchChunkRows);
}

json batch_counts_json(const Batch& b, const std::map<std::string, int64_t>& messages) {
  const auto n = [&](std::initializer_list<const char*> statuses) {
    int64_t sum = 0;
    for (const char* s : statuses) {
      if (auto it = messages.find(s); it != messages.end()) sum += it->second;
    }
    return sum;
  };
  return {{"total", b.total},
          {"invalid", b.skips.invalid},
          {"opted_out", b.skips.opted_out},
          {"duplicates", b.skips.duplicates},
          {"queued", n({"accepted", "queued", "scheduled"})},
          {"sending", n({"sending"})},
          {"sent", n({"sent"})},
          {"delivered", n({"delivered"})},
          {"failed", n({"failed", "expired"})},
          {"undelivered", n({"undelivered"})},
          {"canceled", n({"canceled"})}};
}

std::optional<size_t> batch_recipient_column(const std::vector<std::string>& columns) {
  for (const char* name : {"to", "contact_id"}) {
    for (size_t i = 0; i < columns.size(); ++i) {
      if (columns[i] == name) return i;
    }
  }
  return std::nullopt;
}

}  // namespace sb
