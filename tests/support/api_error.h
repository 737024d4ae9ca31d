// Test support: the assertion every API test makes about a refused request.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "support/gateway.h"

namespace sb::test {

// `r` is the error answer: HTTP `status`, {"error": {"code": code, "field": field, ...}}.
inline void expect_error(const HttpResult& r, int status, const std::string& code,
                         const std::string& field) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.json["error"]["code"], code) << r.body;
  EXPECT_EQ(r.json["error"]["field"], field) << r.body;
}

}  // namespace sb::test
