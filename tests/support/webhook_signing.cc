// Webhook signing for tests (see webhook_signing.h).
#include "support/webhook_signing.h"

#include <openssl/evp.h>

#include <stdexcept>

#include "core/crypto.h"

namespace sb::test {

void Ed25519Key::Free::operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }

Ed25519Key::Ed25519Key() {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr);
  if (ctx == nullptr) throw std::runtime_error("EVP_PKEY_CTX_new_id(ED25519) failed");
  EVP_PKEY* k = nullptr;
  const bool ok = EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_keygen(ctx, &k) == 1;
  EVP_PKEY_CTX_free(ctx);
  if (!ok) throw std::runtime_error("Ed25519 key generation failed");
  key_.reset(k);
}

std::string Ed25519Key::public_key_base64() const {
  unsigned char raw[32];
  size_t len = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(key_.get(), raw, &len) != 1 || len != sizeof raw) {
    throw std::runtime_error("EVP_PKEY_get_raw_public_key failed");
  }
  return crypto::base64(std::string(reinterpret_cast<char*>(raw), len));
}

std::string Ed25519Key::sign_base64(const std::string& message) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) throw std::runtime_error("EVP_MD_CTX_new failed");
  unsigned char sig[64];
  size_t len = sizeof sig;
  const bool ok =
      EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key_.get()) == 1 &&
      EVP_DigestSign(ctx, sig, &len, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok || len != sizeof sig) throw std::runtime_error("Ed25519 signing failed");
  return crypto::base64(std::string(reinterpret_cast<char*>(sig), len));
}

Headers telnyx_signature_headers(const Ed25519Key& key, const std::string& body, int64_t ts) {
  const std::string t = std::to_string(ts);
  return {{"telnyx-timestamp", t}, {"telnyx-signature-ed25519", key.sign_base64(t + "|" + body)}};
}

Headers sinch_signature_headers(const std::string& secret, const std::string& body, int64_t ts,
                                const std::string& nonce) {
  const std::string t = std::to_string(ts);
  return {{"x-sinch-webhook-signature-nonce", nonce},
          {"x-sinch-webhook-signature-timestamp", t},
          {"x-sinch-webhook-signature-algorithm", "HmacSHA256"},
          {"x-sinch-webhook-signature",
           crypto::base64(crypto::hmac_sha256(secret, body + "." + nonce + "." + t))}};
}

}  // namespace sb::test
