// Verification codes: digits only, unbiased, salted hashes, constant-time comparison.
#include "core/verification_code.h"

#include <gtest/gtest.h>

#include <array>

namespace sb::verification {
namespace {

TEST(VerificationCodeTest, HasTheRequestedNumberOfDigits) {
  for (int n = 4; n <= 10; ++n) {
    const std::string code = generate_code(n);
    EXPECT_EQ(code.size(), static_cast<size_t>(n));
    EXPECT_EQ(code.find_first_not_of("0123456789"), std::string::npos) << code;
  }
}

TEST(VerificationCodeTest, DigitsAreRoughlyUniform) {
  std::array<int, 10> counts{};
  for (int i = 0; i < 2000; ++i) {
    for (char c : generate_code(10)) ++counts[static_cast<size_t>(c - '0')];
  }
  // 20000 digits: 2000 expected per digit; +-300 is far beyond chance (about 7 sigma).
  for (int c : counts) {
    EXPECT_GT(c, 1700);
    EXPECT_LT(c, 2300);
  }
}

TEST(VerificationCodeTest, CodesDiffer) {
  EXPECT_NE(generate_code(10), generate_code(10));
}

TEST(VerificationCodeTest, HashIsSaltedAndChecksInConstantTime) {
  const std::string salt = new_salt();
  EXPECT_EQ(salt.size(), 32u);
  EXPECT_NE(salt, new_salt());
  const std::string h = hash_code(salt, "123456");
  EXPECT_EQ(h.size(), 64u);
  EXPECT_EQ(h, hash_code(salt, "123456"));
  EXPECT_NE(h, hash_code(new_salt(), "123456"));
  EXPECT_EQ(h.find("123456"), std::string::npos);
  EXPECT_TRUE(code_matches(salt, h, "123456"));
  EXPECT_FALSE(code_matches(salt, h, "123457"));
  EXPECT_FALSE(code_matches(salt, h, ""));
  EXPECT_FALSE(code_matches(salt, h, "1234567"));
}

}  // namespace
}  // namespace sb::verification
