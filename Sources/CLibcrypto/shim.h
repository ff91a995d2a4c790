#ifndef ISOTRACE_CLIBCRYPTO_SHIM_H
#define ISOTRACE_CLIBCRYPTO_SHIM_H
// OpenSSL's libcrypto, for Ed25519 signing only (Records' RecordSigner): its SHA-512 is more than
// twice as fast as the one in swift-crypto's BoringSSL on x86-64 (AVX2 and BMI2), and each record
// byte is hashed twice by Ed25519. Only OPENSSL_3.0.0 symbols (dist/el9-baseline.txt).
#include <openssl/err.h>
#include <openssl/evp.h>
#endif
