// UAX #29 grapheme cluster boundaries over a generated property table (no ICU at run time).
#include "core/grapheme.h"

#include <algorithm>
#include <iterator>

#include "core/utf8.h"

namespace sb::grapheme {
namespace {

struct Range {
  char32_t lo;
  char32_t hi;
  Gcb cls;
};

constexpr Range kTable[] = {
#include "core/grapheme_table.inc"
};

}  // namespace

Gcb property(char32_t cp) {
  // Below U+0300 only controls are special; this covers all of GSM-7 and Latin-1 cheaply.
  if (cp < 0x300) {
    if (cp == U'\r') return Gcb::kCr;
    if (cp == U'\n') return Gcb::kLf;
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == 0xAD) return Gcb::kControl;
    if (cp == 0xA9 || cp == 0xAE) return Gcb::kExtPict;  // (c) and (R)
    return Gcb::kOther;
  }
  if (cp >= 0xAC00 && cp <= 0xD7A3) return (cp - 0xAC00) % 28 == 0 ? Gcb::kLv : Gcb::kLvt;
  const auto* it = std::upper_bound(std::begin(kTable), std::end(kTable), cp,
                                    [](char32_t c, const Range& r) { return c < r.lo; });
  if (it == std::begin(kTable)) return Gcb::kOther;
  --it;
  return cp <= it->hi ? it->cls : Gcb::kOther;
}

bool Breaker::feed(char32_t cp) {
  // Fast path: printable ASCII is never Extend/SpacingMark/ZWJ, so a boundary always precedes it
  // unless the previous code point is a Prepend; and it leaves every multi-character rule reset.
  if (cp - 0x20 < 0x5F && prev_ != Gcb::kPrepend) {
    started_ = true;
    prev_ = Gcb::kOther;
    ri_run_ = 0;
    pict_ext_ = pict_zwj_ = false;
    conjunct_ = 0;
    return true;
  }
  const Gcb raw = property(cp);
  // The conjunct classes behave as their base class everywhere but in GB9c.
  const Gcb cur = raw == Gcb::kConjunctConsonant ? Gcb::kOther
                  : raw == Gcb::kConjunctLinker  ? Gcb::kExtend
                                                 : raw;
  bool brk;
  if (!started_) {
    brk = true;  // GB1
    started_ = true;
  } else if (prev_ == Gcb::kCr && cur == Gcb::kLf) {
    brk = false;  // GB3
  } else if (prev_ == Gcb::kCr || prev_ == Gcb::kLf || prev_ == Gcb::kControl) {
    brk = true;  // GB4
  } else if (cur == Gcb::kCr || cur == Gcb::kLf || cur == Gcb::kControl) {
    brk = true;  // GB5
  } else if (prev_ == Gcb::kL &&
             (cur == Gcb::kL || cur == Gcb::kV || cur == Gcb::kLv || cur == Gcb::kLvt)) {
    brk = false;  // GB6
  } else if ((prev_ == Gcb::kLv || prev_ == Gcb::kV) && (cur == Gcb::kV || cur == Gcb::kT)) {
    brk = false;  // GB7
  } else if ((prev_ == Gcb::kLvt || prev_ == Gcb::kT) && cur == Gcb::kT) {
    brk = false;  // GB8
  } else if (cur == Gcb::kExtend || cur == Gcb::kZwj || cur == Gcb::kSpacingMark) {
    brk = false;  // GB9, GB9a
  } else if (prev_ == Gcb::kPrepend) {
    brk = false;  // GB9b
  } else if (conjunct_ == 2 && raw == Gcb::kConjunctConsonant) {
    brk = false;  // GB9c
  } else if (pict_zwj_ && cur == Gcb::kExtPict) {
    brk = false;  // GB11
  } else if (cur == Gcb::kRegionalIndicator && prev_ == Gcb::kRegionalIndicator) {
    brk = ri_run_ % 2 == 0;  // GB12, GB13: pair them up from the start of the run
  } else {
    brk = true;  // GB999
  }
  pict_zwj_ = cur == Gcb::kZwj && pict_ext_;
  pict_ext_ = cur == Gcb::kExtPict || (cur == Gcb::kExtend && pict_ext_);
  if (raw == Gcb::kConjunctConsonant) {
    conjunct_ = 1;
  } else if (raw == Gcb::kConjunctLinker) {
    conjunct_ = conjunct_ != 0 ? 2 : 0;
  } else if (cur != Gcb::kExtend && cur != Gcb::kZwj) {
    conjunct_ = 0;
  }
  ri_run_ = cur == Gcb::kRegionalIndicator ? ri_run_ + 1 : 0;
  prev_ = cur;
  return brk;
}

size_t count(std::string_view utf8) {
  Breaker breaker;
  size_t n = 0;
  size_t i = 0;
  while (i < utf8.size()) n += breaker.feed(utf8::next_unchecked(utf8, i));
  return n;
}

std::vector<std::string_view> split(std::string_view utf8) {
  std::vector<std::string_view> out;
  Breaker breaker;
  size_t start = 0;
  size_t i = 0;
  while (i < utf8.size()) {
    const size_t at = i;
    if (breaker.feed(utf8::next_unchecked(utf8, i)) && at != 0) {
      out.push_back(utf8.substr(start, at - start));
      start = at;
    }
  }
  if (start < utf8.size()) out.push_back(utf8.substr(start));
  return out;
}

}  // namespace sb::grapheme
