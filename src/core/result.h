// Result<T>: the expected-like return type for failures callers are meant to handle.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace sb {

// A failure with a stable machine code (e.g. "invalid_phone_number"), a human message and,
// when the failure is about one input, the offending field (JSON path such as "media_urls[2]").
struct Error {
  std::string code;
  std::string message;
  std::string field;
  // When waiting helps (rate limits, a message mid-send): seconds after which to try again.
  std::optional<int64_t> retry_after_s;

  static Error make(std::string code, std::string message, std::string field = {}) {
    return Error{std::move(code), std::move(message), std::move(field), std::nullopt};
  }
};

// The error type is Error unless a module classifies its failures differently (the providers'
// Result<T, SendFailure>, providers/connector.h).
template <typename T, typename E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT(google-explicit-constructor)
  Result(E error) : v_(std::move(error)) {}          // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }
  const T& operator*() const& { return std::get<0>(v_); }

  E& error() & { return std::get<1>(v_); }
  const E& error() const& { return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

template <typename E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() = default;
  Result(E error) : e_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return !e_.has_value(); }
  explicit operator bool() const { return ok(); }
  E& error() & { return *e_; }
  const E& error() const& { return *e_; }

 private:
  std::optional<E> e_;
};

inline Result<void> Ok() { return {}; }

}  // namespace sb
