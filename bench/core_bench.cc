// Hot-path costs of core text and number handling, each next to a trivial baseline on the same
// input so results can be read as ratios on a noisy machine.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "core/crypto.h"
#include "core/grapheme.h"
#include "core/ids.h"
#include "core/metrics.h"
#include "core/phone.h"
#include "core/segments.h"

namespace {

std::string gsm_body_160() {
  std::string s =
      "Your code is 482913. It expires in 10 minutes; never share it. Reply STOP to opt ";
  while (s.size() < 160) s += "out of msgs ";
  s.resize(160);
  return s;
}

std::string emoji_body_300() {
  // Exactly 300 UTF-16 code units: text, surrogate-pair emoji, a ZWJ family and a flag.
  const std::string chunk =
      "Party at 8 \U0001F389\U0001F37E \U0001F468\u200D\U0001F469\u200D\U0001F467 "
      "\U0001F1EB\U0001F1F7 ";
  std::string s;
  while (sb::analyze_segments(s + chunk).total_units <= 300) s += chunk;
  while (sb::analyze_segments(s).total_units < 300) s += "\u00E7";  // c-cedilla, 1 unit
  return s;
}

const std::string kGsm = gsm_body_160();
const std::string kEmoji = emoji_body_300();

void BM_Baseline_Memcpy160(benchmark::State& state) {
  char buf[256];
  for (auto _ : state) {
    benchmark::DoNotOptimize(kGsm.data());
    std::memcpy(buf, kGsm.data(), kGsm.size());
    benchmark::DoNotOptimize(buf);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_Baseline_Memcpy160);

void BM_Baseline_StringCopy160(benchmark::State& state) {
  // One heap allocation + copy: what any API returning the body as a part must pay anyway.
  for (auto _ : state) {
    std::string copy(kGsm);
    benchmark::DoNotOptimize(copy);
  }
}
BENCHMARK(BM_Baseline_StringCopy160);

void BM_Segment_Gsm160(benchmark::State& state) {
  for (auto _ : state) {
    auto info = sb::analyze_segments(kGsm);
    benchmark::DoNotOptimize(info);
  }
  state.SetLabel(std::to_string(sb::analyze_segments(kGsm).segments) + " segment(s)");
}
BENCHMARK(BM_Segment_Gsm160);

void BM_Baseline_StringCopyEmoji300(benchmark::State& state) {
  for (auto _ : state) {
    std::string copy(kEmoji);
    benchmark::DoNotOptimize(copy);
  }
}
BENCHMARK(BM_Baseline_StringCopyEmoji300);

void BM_Segment_Ucs2Emoji300(benchmark::State& state) {
  for (auto _ : state) {
    auto info = sb::analyze_segments(kEmoji);
    benchmark::DoNotOptimize(info);
  }
  const auto info = sb::analyze_segments(kEmoji);
  state.SetLabel(std::to_string(info.total_units) + " units, " + std::to_string(info.segments) +
                 " segments");
}
BENCHMARK(BM_Segment_Ucs2Emoji300);

void BM_SegmentBody_Smart_Gsm160(benchmark::State& state) {
  for (auto _ : state) {
    auto r = sb::segment_body(kGsm, {true});
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_SegmentBody_Smart_Gsm160);

void BM_GraphemeCount_Emoji300(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(sb::grapheme::count(kEmoji));
}
BENCHMARK(BM_GraphemeCount_Emoji300);

void BM_Baseline_StrlenPhone(benchmark::State& state) {
  const char* input = "(415) 555-0123";
  for (auto _ : state) {
    benchmark::DoNotOptimize(input);
    benchmark::DoNotOptimize(std::strlen(input));
  }
}
BENCHMARK(BM_Baseline_StrlenPhone);

void BM_ParsePhone_UsNational(benchmark::State& state) {
  for (auto _ : state) {
    auto r = sb::parse_phone("(415) 555-0123", "US", "to");
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ParsePhone_UsNational);

void BM_ParsePhone_GbInternational(benchmark::State& state) {
  for (auto _ : state) {
    auto r = sb::parse_phone("+44 7911 123456", "US", "to");
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ParsePhone_GbInternational);

// A recipient seen for the first time (a bulk send to a new list): the parse cache cannot help.
void BM_NormalizePhone_FirstSight(benchmark::State& state) {
  static long long next = 0;
  char input[24];
  for (auto _ : state) {
    std::snprintf(input, sizeof input, "+1415%07lld", 2000000 + (next++ % 7000000));
    auto r = sb::normalize_phone(input, "US", "to");
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_NormalizePhone_FirstSight);

void BM_ParseAddress_ShortCode(benchmark::State& state) {
  for (auto _ : state) {
    auto r = sb::parse_address("55555", "US", sb::AddressRole::kRecipient, "to");
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ParseAddress_ShortCode);

void BM_Lookup_Invalid(benchmark::State& state) {
  for (auto _ : state) {
    auto r = sb::lookup("12345", "US");
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_Lookup_Invalid);

}  // namespace

// SHA-256 of an API key (authentication's cache key, once per request) and of derived ids.
const std::string kApiKey = "sk_live_2b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfe";

void BM_Baseline_StringCopyApiKey(benchmark::State& state) {
  for (auto _ : state) {
    std::string copy = kApiKey;
    benchmark::DoNotOptimize(copy);
  }
}
BENCHMARK(BM_Baseline_StringCopyApiKey);

void BM_Sha256_ApiKey(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(sb::crypto::sha256(kApiKey));
}
BENCHMARK(BM_Sha256_ApiKey);

// A new message id (ULID with a CSPRNG part): once per accepted message.
void BM_NewId(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(sb::new_id("msg_", 1'700'000'000'000));
}
BENCHMARK(BM_NewId);

// What the send path pays per recorded event: a labelled series found (no lock) and bumped.
void BM_Metrics_CounterWithLabels(benchmark::State& state) {
  static auto& family = sb::metrics::registry().counter("bench_total", "B.", {"a", "b", "c"});
  for (auto _ : state) family.with({"outbound", "delivered", "sim"}).inc();
}
BENCHMARK(BM_Metrics_CounterWithLabels)->Threads(1)->Threads(2);

void BM_Metrics_HistogramWithLabels(benchmark::State& state) {
  static auto& family = sb::metrics::registry().histogram(
      "bench_seconds", "B.", {"method", "route"}, sb::metrics::exponential_buckets(0.0005, 2, 16));
  for (auto _ : state) family.with({"POST", "/v1/messages"}).observe(0.003);
}
BENCHMARK(BM_Metrics_HistogramWithLabels)->Threads(1)->Threads(2);

BENCHMARK_MAIN();
