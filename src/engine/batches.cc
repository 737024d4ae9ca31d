// Batches: uploads, dry runs, the runner that turns rows into messages, pause, resume, cancel
// (see batches.h).
#include "engine/batches.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include "core/csv.h"
#include "core/ids.h"
#include "core/phone.h"
#include "core/segments.h"
#include "core/utf8.h"
#include "engine/opt_outs.h"
#include "engine/outbox.h"
#include "engine/scheduling.h"

namespace sb::engine {
namespace {

constexpr int64_t kStaleUploadMs = 6 * 3'600'000;  // an upload no request holds any more
constexpr int kCancelPerPass = 500;
constexpr TimeMs kMaterialisingReportMs = 5'000;  // batch.progress while rows become messages
// How long a finished batch's late delivery reports still make batch.progress events.
constexpr TimeMs kReportAfterFinishMs = 3'600'000;

std::string row_field(int64_t row) { return "rows[" + std::to_string(row) + "]"; }

// The idempotency key of a batch row's message: a row is one message, however often it is
// materialised.
std::string row_key(const std::string& batch_id, int64_t row) {
  return "batch:" + batch_id + ":" + std::to_string(row);
}
std::optional<int64_t> row_of_key(const std::string& key) {
  const auto colon = key.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  try {
    return std::stoll(key.substr(colon + 1));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

bool storage_failure(const Error& e) {
  return e.code == "storage_error" || e.code == "database_unavailable";
}

// A row's message, or why it is not one. Everything a single send checks, checked by the same
// code (Gateway::prepare); storage failures are errors of the whole pass, not of the row.
class RowEvaluator {
 public:
  RowEvaluator(store::Store& store, const Gateway& gateway, std::string account,
               std::string batch_id, const BatchSpec& spec, MessageTemplate tmpl)
      : store_(store), gateway_(gateway), account_(std::move(account)),
        batch_id_(std::move(batch_id)), spec_(spec), tmpl_(std::move(tmpl)) {
    for (size_t i = 0; i < spec_.columns.size(); ++i) index_.emplace(spec_.columns[i], i);
    recipient_ = batch_recipient_column(spec_.columns).value_or(0);
  }

  using Outcome = std::variant<store::NewMessage, BatchError>;

  Result<Outcome> evaluate(const BatchRow& row) const {
    const std::string& recipient_column = spec_.columns[recipient_];
    auto body = tmpl_.render([&](const std::string& name) -> std::optional<std::string_view> {
      auto it = index_.find(name);
      if (it == index_.end() || it->second >= row.fields.size() || !row.fields[it->second]) {
        return std::nullopt;
      }
      return *row.fields[it->second];
    });
    if (!body) return Outcome(BatchError{row.row, body.error().field, body.error().code,
                                         body.error().message});
    const auto& recipient =
        recipient_ < row.fields.size() ? row.fields[recipient_] : std::optional<std::string>();
    if (!recipient || recipient->empty()) {
      return Outcome(BatchError{row.row, recipient_column, "missing_field",
                                "the row has no " + recipient_column});
    }
    SendRequest req;
    if (recipient_column == "contact_id") {
      auto contact = store_.conversations().get_contact(account_, *recipient);
      if (!contact) return contact.error();
      if (!*contact) {
        return Outcome(BatchError{row.row, recipient_column, "not_found",
                                  "no contact " + *recipient + " in this account"});
      }
      req.to = (*contact)->number;
    } else {
      req.to = *recipient;
    }
    req.from = spec_.from;
    req.pool = spec_.pool;
    req.body = std::move(*body);
    req.status_callback = spec_.status_callback;
    req.validity_period_s = spec_.validity_period_s;
    req.category = spec_.category;
    req.send_at = spec_.send_at;
    req.send_at_checked = true;
    req.idempotency_key = row_key(batch_id_, row.row);
    req.request_hash = req.idempotency_key;  // the same row always asks the same
    auto prepared = gateway_.prepare(account_, req);
    if (!prepared) {
      Error e = prepared.error();
      if (storage_failure(e)) return e;
      std::string field = e.field == "to" ? recipient_column : e.field;
      return Outcome(BatchError{row.row, std::move(field), e.code, e.message});
    }
    prepared->message.batch = batch_id_;
    prepared->check_opt_out = true;
    return Outcome(std::move(*prepared));
  }

 private:
  store::Store& store_;
  const Gateway& gateway_;
  std::string account_;
  std::string batch_id_;
  const BatchSpec& spec_;
  MessageTemplate tmpl_;
  std::unordered_map<std::string, size_t> index_;
  size_t recipient_ = 0;
};

// unknown_variable when the template uses a variable `columns` lacks (the recipient column
// counts: {{to}} is allowed).
Result<void> check_variables(const MessageTemplate& tmpl, const std::vector<std::string>& columns,
                             const std::string& where) {
  for (const auto& name : tmpl.variables()) {
    if (std::find(columns.begin(), columns.end(), name) == columns.end()) {
      std::string have;
      for (const auto& c : columns) have += (have.empty() ? "" : ", ") + c;
      return Error::make("unknown_variable",
                         "the body uses {{" + name + "}}, which " + where + " lacks (every row; " +
                             "columns: " + have + ")",
                         "variables." + name);
    }
  }
  return Ok();
}

}  // namespace

Batches::Batches(store::Store& store, Gateway& gateway, const Clock& clock, BatchOptions options)
    : store_(store), gateway_(gateway), clock_(clock), options_(std::move(options)) {
  if (options_.owner.empty()) options_.owner = new_id("runner_", clock_.now_ms());
}

Batches::~Batches() { stop(); }

void Batches::start() {
  std::lock_guard lk(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  stop_flag_ = false;
  thread_ = std::thread([this] { run(); });
}

void Batches::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
    stop_flag_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Batches::wake() {
  {
    std::lock_guard lk(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void Batches::run() {
  while (true) {
    bool worked = false;
    try {
      worked = run_once();
    } catch (const std::exception& e) {
      spdlog::error("batches: runner pass failed: {}", e.what());
    }
    std::unique_lock lk(mu_);
    if (stopping_) return;
    if (!worked) {
      cv_.wait_for(lk, std::chrono::milliseconds(options_.poll_ms),
                   [this] { return stopping_ || woken_; });
    }
    woken_ = false;
    if (stopping_) return;
  }
}

bool Batches::run_once() {
  const TimeMs now = clock_.now_ms();
  bool worked = false;
  if (now >= next_cleanup_) {
    next_cleanup_ = now + 600'000;
    if (auto n = store_.batches().discard_stale_uploads(now - kStaleUploadMs); n && *n > 0) {
      spdlog::info("batches: removed {} uploads left unfinished", *n);
    }
  }
  auto claimed = store_.batches().claim(options_.owner, now, options_.lease_ms);
  if (!claimed) {
    spdlog::warn("batches: cannot look for work: {}", claimed.error().message);
  } else if (*claimed) {
    materialise(**claimed);
    worked = true;
  }
  if (now >= next_settle_) {
    next_settle_ = now + options_.settle_every_ms;
    settle();
  }
  return worked;
}

void Batches::materialise(const Batch& b) {
  auto tmpl = MessageTemplate::parse(b.spec.body);
  if (!tmpl) {
    spdlog::error("batch {}: stored body is not a template: {}", b.id, tmpl.error().message);
    return;
  }
  RowEvaluator eval(store_, gateway_, b.account, b.id, b.spec, std::move(*tmpl));
  // Each recipient's row (by the hash of its number: a million recipients fit in tens of MB).
  // Rebuilt from the batch's messages, so a resumed batch removes the same duplicates; a row
  // whose message exists (materialised before a crash) is its own recipient, not a duplicate.
  std::unordered_map<uint64_t, int64_t> seen;
  const std::hash<std::string> hash;
  if (b.spec.deduplicate) {
    auto existing = store_.batches().recipients(b.id);
    if (!existing) {
      spdlog::warn("batch {}: cannot read its messages: {}", b.id, existing.error().message);
      return;
    }
    seen.reserve(existing->size());
    for (const auto& [to, key] : *existing) {
      if (auto row = row_of_key(key)) seen.emplace(hash(to), *row);
    }
  }
  spdlog::info("batch {}: materialising chunks {}..{} ({} rows)", b.id, b.next_chunk, b.chunks - 1,
               b.total);
  Batch progress = b;  // as it stands after each recorded chunk
  TimeMs next_report = 0;
  // Reading a chunk and preparing its rows (CPU: templates, phone numbers, segments) runs on a
  // second thread, one chunk ahead of inserting and recording (the database's writer), so the
  // two overlap. Duplicates are removed here, in row order.
  struct Prepared {
    std::optional<Error> failed;  // the chunk could not be read, or a row's lookup failed
    std::vector<std::pair<int64_t, RowEvaluator::Outcome>> rows;
  };
  const auto prepare = [this, &b, &eval](int seq) {
    Prepared out;
    auto text = store_.batches().chunk(b.id, seq);
    if (!text) {
      out.failed = text.error();
      return out;
    }
    auto rows = batch_rows_from_json(*text);
    if (!rows) {
      out.failed = rows.error();
      return out;
    }
    out.rows.reserve(rows->size());
    for (const auto& row : *rows) {
      auto o = eval.evaluate(row);
      if (!o) {
        out.failed = o.error();
        return out;
      }
      out.rows.emplace_back(row.row, std::move(*o));
    }
    return out;
  };
  // Where the time goes (logged at the end): waiting for prepared rows, inserting messages,
  // recording chunks and progress.
  using Clock = std::chrono::steady_clock;
  Clock::duration t_prepare{}, t_insert{}, t_record{};
  const auto started = Clock::now();
  auto lap = Clock::now();
  const auto charge = [&lap](Clock::duration& to) {
    const auto now = Clock::now();
    to += now - lap;
    lap = now;
  };
  std::future<Prepared> ahead = std::async(std::launch::async, prepare, b.next_chunk);
  for (int seq = b.next_chunk; seq < b.chunks; ++seq) {
    lap = Clock::now();
    Prepared chunk = ahead.get();
    if (stop_flag_) return;
    if (seq + 1 < b.chunks) ahead = std::async(std::launch::async, prepare, seq + 1);
    if (chunk.failed) {
      // A storage failure: the chunk is done again later (the lease runs out).
      spdlog::warn("batch {}: chunk {}: {}", b.id, seq, chunk.failed->message);
      return;
    }
    BatchSkips skips;
    std::vector<BatchError> errors;
    std::vector<store::NewMessage> messages;
    std::vector<int64_t> message_rows;
    messages.reserve(chunk.rows.size());
    for (auto& [row, out] : chunk.rows) {
      if (auto* e = std::get_if<BatchError>(&out)) {
        ++skips.invalid;
        errors.push_back(std::move(*e));
        continue;
      }
      auto& nm = std::get<store::NewMessage>(out);
      if (b.spec.deduplicate) {
        auto [it, fresh] = seen.try_emplace(hash(nm.message.to), row);
        if (!fresh && it->second != row) {
          ++skips.duplicates;
          continue;
        }
      }
      message_rows.push_back(row);
      messages.push_back(std::move(nm));
    }
    charge(t_prepare);
    if (!messages.empty()) {
      auto inserted = insert_unless_opted_out(store_, messages, store::Commit::kDurable);
      if (!inserted) {
        spdlog::warn("batch {}: chunk {} not stored: {}", b.id, seq, inserted.error().message);
        return;
      }
      count_accepted(*inserted);
      for (size_t i = 0; i < inserted->size(); ++i) {
        const auto& r = (*inserted)[i];
        if (r) continue;
        if (r.error().code == "recipient_opted_out") {
          ++skips.opted_out;
        } else {
          ++skips.invalid;
          errors.push_back({message_rows[i], r.error().field, r.error().code, r.error().message});
        }
      }
      if (on_messages_) on_messages_();
    }
    charge(t_insert);
    auto advanced = store_.batches().advance(b.id, options_.owner, seq, skips, errors,
                                             clock_.now_ms(), options_.lease_ms);
    if (!advanced) {
      spdlog::warn("batch {}: chunk {} not recorded: {}", b.id, seq, advanced.error().message);
      return;
    }
    if (!*advanced) {
      // Paused or canceled meanwhile (or the lease went elsewhere): the messages this chunk made
      // after the pause held the others must wait too.
      auto now = store_.batches().get(b.account, b.id);
      if (now && *now && ((*now)->status == "paused" || (*now)->status == "canceling")) {
        (void)store_.batches().hold_messages(b.id);
      }
      spdlog::info("batch {}: stopped at chunk {}", b.id, seq);
      return;
    }
    progress.next_chunk = seq + 1;
    progress.skips.invalid += skips.invalid;
    progress.skips.opted_out += skips.opted_out;
    progress.skips.duplicates += skips.duplicates;
    if (progress.next_chunk >= progress.chunks) progress.status = "sending";
    // Counting a large batch's messages is a scan of its index entries (0.1 s at a million):
    // while materialising, every few seconds is enough.
    if (const TimeMs now = clock_.now_ms(); now >= next_report || progress.status == "sending") {
      next_report = now + kMaterialisingReportMs;
      report(progress);
    }
    charge(t_record);
  }
  const auto s = [](Clock::duration d) { return std::chrono::duration<double>(d).count(); };
  spdlog::info(
      "batch {}: every row materialised; this run took {:.1f} s: waiting for prepared rows "
      "{:.1f} s, inserting messages {:.1f} s, recording chunks and progress {:.1f} s",
      b.id, s(Clock::now() - started), s(t_prepare), s(t_insert), s(t_record));
}

void Batches::report(const Batch& b) {
  auto counts = store_.batches().message_counts(b.id);
  if (!counts) return;
  const std::string data = nlohmann::json{{"batch_id", b.id},
                                          {"status", b.status},
                                          {"rows_processed", batch_rows_processed(b)},
                                          {"counts", batch_counts_json(b, *counts)}}
                               .dump();
  {
    std::lock_guard lk(reported_mu_);
    auto it = reported_.find(b.id);
    if (it != reported_.end() && it->second == data) return;
    if (reported_.size() > 10'000) reported_.clear();
    reported_[b.id] = data;
  }
  if (auto ok = store_.batches().add_event(b, "progress", clock_.now_ms(), data); !ok) {
    spdlog::warn("batch {}: progress event not recorded: {}", b.id, ok.error().message);
  }
}

void Batches::settle() {
  auto batches = store_.batches().in_status({"sending", "canceling"}, 100);
  if (!batches) return;
  const TimeMs now = clock_.now_ms();
  for (const auto& b : *batches) {
    if (b.status == "canceling") {
      auto unsent = store_.batches().unsent_messages(b.id, kCancelPerPass);
      if (!unsent) continue;
      if (unsent->empty()) {
        if (auto f = store_.batches().finish(b.id, "canceling", "canceled", now); f && *f) {
          spdlog::info("batch {} canceled", b.id);
          Batch done = b;
          done.status = "canceled";
          done.finished_at = now;
          report(done);
          recently_finished_[b.id] = {b.account, now + kReportAfterFinishMs};
        }
        continue;
      }
      std::vector<store::Transition> ts;
      for (const auto& m : *unsent) {
        store::Transition t;
        t.message_id = m.id;
        t.to = Status::kCanceled;
        t.at = now;
        t.expect = m.status;
        t.detail = "batch " + b.id + " canceled";
        ts.push_back(std::move(t));
      }
      auto applied = store_.status().apply(ts, {.messages = false});
      if (!applied) continue;
      for (const auto& r : *applied) {
        if (r.applied) gateway_.dequeued(r.message_id);
      }
      report(b);
      wake();  // more may be left
      continue;
    }
    auto counts = store_.batches().message_counts(b.id);
    if (!counts) continue;
    int64_t pending = 0;
    for (const char* s : {"accepted", "queued", "scheduled", "sending"}) {
      if (auto it = counts->find(s); it != counts->end()) pending += it->second;
    }
    Batch now_b = b;
    if (pending == 0) {
      if (auto f = store_.batches().finish(b.id, "sending", "completed", now); f && *f) {
        spdlog::info("batch {} completed", b.id);
        now_b.status = "completed";
        now_b.finished_at = now;
        recently_finished_[b.id] = {b.account, now + kReportAfterFinishMs};
      }
    }
    report(now_b);
  }
  // Delivery reports keep coming after a batch's last message left: its counts still change, and
  // so do its progress events, for a while (looked at every 10 s: counting is a scan).
  if (now < next_finished_report_) return;
  next_finished_report_ = now + 10'000;
  for (auto it = recently_finished_.begin(); it != recently_finished_.end();) {
    const auto& [id, entry] = *it;
    if (now > entry.second) {
      {
        std::lock_guard lk(reported_mu_);
        reported_.erase(id);
      }
      it = recently_finished_.erase(it);
      continue;
    }
    if (auto b = store_.batches().get(entry.first, id); b && *b) report(**b);
    ++it;
  }
}

Result<void> Batches::check_spec(const std::string& account, const BatchSpec& spec) const {
  if (spec.body.empty()) return Error::make("missing_field", "a batch needs a body", "body");
  if (auto t = MessageTemplate::parse(spec.body, "body"); !t) return t.error();
  if (spec.from && spec.pool) {
    return Error::make("conflicting_fields", "give `from` or `pool`, not both", "pool");
  }
  if (spec.pool) {
    auto found = store_.pools().find_pool(account, *spec.pool);
    if (!found) return found.error();
    if (!*found) return Error::make("unknown_pool", "no pool " + *spec.pool, "pool");
  }
  if (spec.from) {
    std::optional<NumberRecord> number = gateway_.find_number(*spec.from);
    if (!number) {
      if (auto parsed = normalize_phone(*spec.from, gateway_.options().default_region, "from")) {
        number = gateway_.find_number(parsed->e164);
      }
    }
    if (!number || number->account != account) {
      return Error::make("from_not_owned",
                         "`from` " + *spec.from + " is not a number of this account", "from");
    }
  }
  if (spec.category != "transactional" && spec.category != "marketing") {
    return Error::make("invalid_category", "category must be transactional or marketing",
                       "category");
  }
  if (spec.validity_period_s &&
      (*spec.validity_period_s < 1 ||
       *spec.validity_period_s > gateway_.options().max_validity_period_s)) {
    return Error::make("invalid_validity_period",
                       "validity_period must be between 1 and " +
                           std::to_string(gateway_.options().max_validity_period_s) + " seconds",
                       "validity_period");
  }
  if (!spec.status_callback.empty()) {
    if (auto ok = gateway_.check_app_url(spec.status_callback, "status_callback"); !ok) {
      return ok.error();
    }
  }
  if (spec.send_at) {
    auto at = validate_send_at(*spec.send_at, clock_.now_ms(),
                               gateway_.options().min_schedule_ahead_s,
                               gateway_.options().max_schedule_ahead_s);
    if (!at) return at.error();
  }
  return Ok();
}

Result<void> Batches::read_csv(BatchSpec& spec, std::istream& csv, const RowSink& on_row) const {
  std::optional<Error> failed;
  bool header = false;
  int64_t rows = 0;
  CsvReader reader([&](CsvRecord& rec) {
    for (size_t i = 0; i < rec.fields.size(); ++i) {
      if (auto bad = utf8::find_invalid(rec.fields[i])) {
        const std::string column =
            header && i < spec.columns.size() ? spec.columns[i] : std::to_string(i + 1);
        failed = Error::make("invalid_utf8",
                             "row " + std::to_string(rec.row) + ", column " + column +
                                 " is not valid UTF-8 (byte " + std::to_string(*bad) + ")",
                             row_field(static_cast<int64_t>(rec.row)) + "." + column);
        return false;
      }
    }
    if (!header) {
      std::set<std::string> names;
      spec.columns.clear();
      for (auto& f : rec.fields) {
        // Spreadsheets keep stray spaces around header cells.
        const auto first = f.find_first_not_of(" \t");
        const auto last = f.find_last_not_of(" \t");
        std::string name = first == std::string::npos ? "" : f.substr(first, last - first + 1);
        if (name.empty() || !names.insert(name).second) {
          failed = Error::make("invalid_csv",
                               name.empty() ? "the header has an empty column name"
                                            : "the header names column " + name + " twice",
                               row_field(static_cast<int64_t>(rec.row)));
          return false;
        }
        spec.columns.push_back(std::move(name));
      }
      if (!batch_recipient_column(spec.columns)) {
        std::string have;
        for (const auto& c : spec.columns) have += (have.empty() ? "" : ", ") + c;
        failed = Error::make("missing_column",
                             "the CSV's first row must be a header with a `to` (or `contact_id`) "
                             "column; it has: " + have,
                             "to");
        return false;
      }
      if (auto ok = check_variables(MessageTemplate::parse(spec.body, "body").value(),
                                    spec.columns, "the CSV header");
          !ok) {
        failed = ok.error();
        return false;
      }
      header = true;
      return true;
    }
    if (rec.fields.size() != spec.columns.size()) {
      failed = Error::make("invalid_csv",
                           "row " + std::to_string(rec.row) + " has " +
                               std::to_string(rec.fields.size()) + " fields; the header has " +
                               std::to_string(spec.columns.size()),
                           row_field(static_cast<int64_t>(rec.row)));
      return false;
    }
    if (++rows > options_.max_rows) {
      failed = Error::make("too_many_rows",
                           "a batch has at most " + std::to_string(options_.max_rows) + " rows",
                           row_field(static_cast<int64_t>(rec.row)));
      return false;
    }
    BatchRow row;
    row.row = static_cast<int64_t>(rec.row);
    row.fields.reserve(rec.fields.size());
    for (auto& f : rec.fields) row.fields.emplace_back(std::move(f));
    if (auto ok = on_row(std::move(row)); !ok) {
      failed = ok.error();
      return false;
    }
    return true;
  });
  std::string buf(1 << 16, '\0');
  while (!failed && !reader.error()) {
    csv.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = csv.gcount();
    if (n <= 0) break;
    if (!reader.feed(std::string_view(buf.data(), static_cast<size_t>(n)))) break;
  }
  if (!failed && !reader.error()) reader.finish();
  if (failed) return *failed;
  if (const auto& e = reader.error()) {
    return Error::make("invalid_csv",
                       "row " + std::to_string(e->row) + ", column " + std::to_string(e->column) +
                           ": " + e->message,
                       row_field(static_cast<int64_t>(e->row)));
  }
  if (!header) {
    return Error::make("empty_batch",
                       "the CSV is empty; its first row must be a header with a `to` column",
                       "body");
  }
  if (rows == 0) return Error::make("empty_batch", "the CSV has a header but no rows", "rows");
  return Ok();
}

Result<void> Batches::check_rows(const BatchSpec& spec, const std::vector<BatchRow>& rows) const {
  if (rows.empty()) {
    return Error::make("empty_batch", "a batch needs at least one recipient", "recipients");
  }
  if (static_cast<int64_t>(rows.size()) > options_.max_rows) {
    return Error::make("too_many_rows",
                       "a batch has at most " + std::to_string(options_.max_rows) + " rows",
                       "recipients");
  }
  auto tmpl = MessageTemplate::parse(spec.body, "body");
  if (!tmpl) return tmpl.error();
  for (const auto& name : tmpl->variables()) {
    auto col = std::find(spec.columns.begin(), spec.columns.end(), name);
    std::vector<int64_t> lacking;
    for (const auto& r : rows) {
      const size_t i = static_cast<size_t>(col - spec.columns.begin());
      if (col == spec.columns.end() || i >= r.fields.size() || !r.fields[i]) {
        lacking.push_back(r.row);
      }
    }
    if (lacking.empty()) continue;
    std::string list;
    for (size_t i = 0; i < lacking.size() && i < 10; ++i) {
      list += (i ? ", " : "") + std::to_string(lacking[i]);
    }
    if (lacking.size() > 10) list += " and " + std::to_string(lacking.size() - 10) + " more";
    return Error::make("unknown_variable",
                       "the body uses {{" + name + "}}, which recipients " + list + " lack",
                       "recipients[" + std::to_string(lacking[0]) + "].variables." + name);
  }
  return Ok();
}

Result<BatchView> Batches::store_upload(const std::string& account, BatchSpec spec,
                                        const RowSource& produce) {
  if (auto ok = check_spec(account, spec); !ok) return ok.error();
  const TimeMs now = clock_.now_ms();
  Batch b;
  b.id = new_id("batch_", now);
  b.account = account;
  b.created_at = now;
  std::vector<BatchRow> chunk;
  chunk.reserve(kBatchChunkRows);
  int seq = 0;
  int64_t total = 0;
  bool begun = false;
  const auto flush = [&]() -> Result<void> {
    if (!begun) {
      b.spec = spec;  // the header has named the columns by now
      if (auto ok = store_.batches().begin_upload(b); !ok) return ok.error();
      begun = true;
    }
    if (auto ok = store_.batches().add_chunk(b.id, seq, batch_rows_to_json(chunk)); !ok) {
      return ok.error();
    }
    ++seq;
    chunk.clear();
    return Ok();
  };
  auto produced = produce(spec, [&](BatchRow&& row) -> Result<void> {
    chunk.push_back(std::move(row));
    ++total;
    return chunk.size() == kBatchChunkRows ? flush() : Ok();
  });
  if (produced && !chunk.empty()) produced = flush();
  if (produced && total == 0) {
    produced = Error::make("empty_batch", "a batch needs at least one row", "rows");
  }
  if (produced) {
    produced = store_.batches().finish_upload(b.id, total, seq, "materializing", clock_.now_ms());
  }
  if (!produced) {
    if (begun) (void)store_.batches().discard_upload(b.id);
    return produced.error();
  }
  spdlog::info("batch {}: {} rows accepted ({} chunks)", b.id, total, seq);
  wake();
  auto stored = store_.batches().get(account, b.id);
  if (!stored) return stored.error();
  if (!*stored) return Error::make("storage_error", "the batch was stored but cannot be read");
  report(**stored);
  return view(std::move(**stored), 0, 0);
}

Result<BatchDryRun> Batches::dry_run(const std::string& account, BatchSpec spec,
                                     const RowSource& produce) {
  if (auto ok = check_spec(account, spec); !ok) return ok.error();
  BatchDryRun out;
  std::optional<RowEvaluator> eval;
  std::unordered_set<std::string> seen;
  std::vector<std::pair<int64_t, store::NewMessage>> pending;  // waiting for the opt-out check
  const auto check_opt_outs = [&]() -> Result<void> {
    if (pending.empty()) return Ok();
    std::vector<std::string> recipients;
    for (const auto& [row, nm] : pending) recipients.push_back(nm.message.to);
    auto opt_outs = store_.compliance().find_opt_outs(recipients);
    if (!opt_outs) return opt_outs.error();
    for (const auto& [row, nm] : pending) {
      const Message& m = nm.message;
      if (blocking_opt_out(*opt_outs, m.account, m.from, m.to)) {
        ++out.skips.opted_out;
        continue;
      }
      ++out.messages;
      out.segments[std::string(to_string(m.encoding))] += m.segments;
      out.segments_total += m.segments;
      if (out.preview.size() < kDryRunPreview) {
        out.preview.push_back({row, m.to, m.from, m.body, m.segments,
                               std::string(to_string(m.encoding))});
      }
    }
    pending.clear();
    return Ok();
  };
  std::optional<MessageTemplate> tmpl;
  auto produced = produce(spec, [&](BatchRow&& row) -> Result<void> {
    if (!eval) {
      tmpl = MessageTemplate::parse(spec.body, "body").value();
      eval.emplace(store_, gateway_, account, "", spec, *tmpl);
    }
    ++out.total;
    auto r = eval->evaluate(row);
    if (!r) return r.error();
    if (auto* e = std::get_if<BatchError>(&*r)) {
      ++out.skips.invalid;
      if (out.errors.size() < kDryRunErrors) out.errors.push_back(std::move(*e));
      return Ok();
    }
    auto& nm = std::get<store::NewMessage>(*r);
    if (spec.deduplicate && !seen.insert(nm.message.to).second) {
      ++out.skips.duplicates;
      return Ok();
    }
    pending.emplace_back(row.row, std::move(nm));
    return pending.size() >= kBatchChunkRows ? check_opt_outs() : Ok();
  });
  if (produced) produced = check_opt_outs();
  if (produced && out.total == 0) {
    produced = Error::make("empty_batch", "a batch needs at least one row", "rows");
  }
  if (!produced) return produced.error();
  return out;
}

Batches::RowSource Batches::csv_source(std::istream& csv) const {
  return [this, &csv](BatchSpec& spec, const RowSink& on_row) {
    return read_csv(spec, csv, on_row);
  };
}

namespace {
// A JSON batch's rows, handed over (moved) one at a time.
std::function<Result<void>(BatchSpec&, const std::function<Result<void>(BatchRow&&)>&)>
given_rows(std::vector<BatchRow>& rows) {
  return [&rows](BatchSpec&, const std::function<Result<void>(BatchRow&&)>& on_row) {
    for (auto& r : rows) {
      if (auto ok = on_row(std::move(r)); !ok) return ok;
    }
    return Result<void>(Ok());
  };
}
}  // namespace

Result<BatchView> Batches::create_csv(const std::string& account, BatchSpec spec,
                                      std::istream& csv) {
  spec.source = "csv";
  return store_upload(account, std::move(spec), csv_source(csv));
}

Result<BatchDryRun> Batches::dry_run_csv(const std::string& account, BatchSpec spec,
                                         std::istream& csv) {
  spec.source = "csv";
  return dry_run(account, std::move(spec), csv_source(csv));
}

Result<BatchView> Batches::create_rows(const std::string& account, BatchSpec spec,
                                       std::vector<BatchRow> rows) {
  spec.source = "json";
  if (auto ok = check_rows(spec, rows); !ok) return ok.error();
  return store_upload(account, std::move(spec), given_rows(rows));
}

Result<BatchDryRun> Batches::dry_run_rows(const std::string& account, BatchSpec spec,
                                          std::vector<BatchRow> rows) {
  spec.source = "json";
  if (auto ok = check_rows(spec, rows); !ok) return ok.error();
  return dry_run(account, std::move(spec), given_rows(rows));
}

Result<BatchView> Batches::view(Batch b, int64_t errors_after, int errors_limit) {
  BatchView v;
  auto counts = store_.batches().message_counts(b.id);
  if (!counts) return counts.error();
  v.messages = std::move(*counts);
  if (errors_limit > 0) {
    auto errors = store_.batches().errors(b.id, errors_after, errors_limit + 1);
    if (!errors) return errors.error();
    if (static_cast<int>(errors->size()) > errors_limit) {
      errors->resize(static_cast<size_t>(errors_limit));
      v.errors_next = errors->back().row;
    }
    v.errors = std::move(*errors);
  }
  v.batch = std::move(b);
  return v;
}

namespace {
Error no_batch(const std::string& id) {
  return Error::make("not_found", "no batch " + id + " in this account", "id");
}
}  // namespace

Result<BatchView> Batches::get(const std::string& account, const std::string& id,
                               int64_t errors_after, int errors_limit) {
  if (!is_valid_id(id, "batch_")) return no_batch(id);
  auto b = store_.batches().get(account, id);
  if (!b) return b.error();
  if (!*b) return no_batch(id);
  return view(std::move(**b), errors_after, errors_limit);
}

Result<Page<BatchView>> Batches::list(const std::string& account, const std::string& before,
                                      int limit) {
  auto rows = store_.batches().list(account, before, limit + 1);
  if (!rows) return rows.error();
  auto page = page_of(std::move(*rows), limit);
  Page<BatchView> out;
  out.more = page.more;
  for (auto& b : page.items) {
    auto v = view(std::move(b), 0, 0);
    if (!v) return v.error();
    out.items.push_back(std::move(*v));
  }
  return out;
}

Result<BatchView> Batches::pause(const std::string& account, const std::string& id) {
  if (!is_valid_id(id, "batch_")) return no_batch(id);
  auto b = store_.batches().set_status(account, id, {"materializing", "sending"}, "paused",
                                       clock_.now_ms());
  if (!b) return b.error();
  if (!*b) return no_batch(id);
  if ((*b)->status != "paused") {
    return Error::make("invalid_state", "batch " + id + " is " + (*b)->status +
                                            "; only a materializing or sending batch can pause",
                       "id");
  }
  if (auto held = store_.batches().hold_messages(id); !held) return held.error();
  spdlog::info("batch {} paused", id);
  report(**b);
  return view(std::move(**b), 0, 0);
}

Result<BatchView> Batches::resume(const std::string& account, const std::string& id) {
  if (!is_valid_id(id, "batch_")) return no_batch(id);
  auto current = store_.batches().get(account, id);
  if (!current) return current.error();
  if (!*current) return no_batch(id);
  if ((*current)->status != "paused") {
    if ((*current)->status == "materializing" || (*current)->status == "sending") {
      return view(std::move(**current), 0, 0);  // already going
    }
    return Error::make("invalid_state", "batch " + id + " is " + (*current)->status +
                                            "; only a paused batch can resume",
                       "id");
  }
  const std::string to =
      (*current)->paused_from.empty() ? std::string("sending") : (*current)->paused_from;
  auto b = store_.batches().set_status(account, id, {"paused"}, to, clock_.now_ms());
  if (!b) return b.error();
  if (!*b) return no_batch(id);
  if (auto released = store_.batches().release_messages(id, clock_.now_ms()); !released) {
    return released.error();
  }
  spdlog::info("batch {} resumed", id);
  report(**b);
  wake();
  if (on_messages_) on_messages_();
  return view(std::move(**b), 0, 0);
}

Result<BatchView> Batches::cancel(const std::string& account, const std::string& id) {
  if (!is_valid_id(id, "batch_")) return no_batch(id);
  auto b = store_.batches().set_status(account, id, {"materializing", "sending", "paused"},
                                       "canceling", clock_.now_ms());
  if (!b) return b.error();
  if (!*b) return no_batch(id);
  if ((*b)->status == "completed") {
    return Error::make("invalid_state", "batch " + id + " is completed; nothing is left to cancel",
                       "id");
  }
  if ((*b)->status == "canceling") {
    // Nothing more leaves; the runner cancels each unsent message (with its event).
    if (auto held = store_.batches().hold_messages(id); !held) return held.error();
    spdlog::info("batch {} canceling", id);
    report(**b);
    wake();
  }
  return view(std::move(**b), 0, 0);
}

}  // namespace sb::engine
