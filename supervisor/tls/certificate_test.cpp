// Tests of the TLS certificate module against real files in a temporary directory, and of the
// fingerprint against the openssl command line tool.
#include "supervisor/tls/certificate.h"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "unit/fails_with.h"
#include "unit/temp_dir.h"

namespace clawhive::tls {
namespace {

using clawhive::testing::FailsWith;

struct TempDir : clawhive::testing::TempDir {
  TempDir() : clawhive::testing::TempDir("clawhive-tls") {}
};

mode_t Mode(const std::string& path) {
  struct stat st {};
  BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

std::string Run(const std::string& cmd) {
  std::unique_ptr<FILE, int (*)(FILE*)> p(::popen(cmd.c_str(), "r"), ::pclose);
  BOOST_REQUIRE(p);
  std::string out;
  std::array<char, 512> buf;
  while (size_t n = std::fread(buf.data(), 1, buf.size(), p.get())) out.append(buf.data(), n);
  return out;
}

const std::vector<std::string> kNames = {"localhost", "127.0.0.1", "::1"};

BOOST_AUTO_TEST_SUITE(tls)

BOOST_AUTO_TEST_CASE(generates_self_signed_certificate) {
  TempDir tmp;
  std::string dir = tmp.path + "/sub";  // created by EnsureCertificate
  Result<CertPaths> paths = EnsureCertificate(dir, kNames);
  BOOST_REQUIRE_MESSAGE(paths.ok(), (paths.ok() ? std::string() : paths.error().message));
  BOOST_TEST(paths->generated);
  BOOST_TEST(paths->cert_file == dir + "/tls.crt");
  BOOST_TEST(paths->key_file == dir + "/tls.key");
  BOOST_TEST(Mode(paths->key_file) == 0600u);
  BOOST_TEST(Mode(paths->cert_file) == 0644u);
  BOOST_TEST(Mode(dir) == 0700u);

  std::string text = Run("openssl x509 -noout -text -in " + paths->cert_file);
  BOOST_TEST(text.find("Version: 3") != std::string::npos);
  BOOST_TEST(text.find("prime256v1") != std::string::npos);
  BOOST_TEST(text.find("CA:FALSE") != std::string::npos);
  BOOST_TEST(text.find("Digital Signature") != std::string::npos);
  BOOST_TEST(text.find("TLS Web Server Authentication") != std::string::npos);
  BOOST_TEST(text.find("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1") != std::string::npos, text);
  BOOST_TEST(text.find("ecdsa-with-SHA256") != std::string::npos);
  // 825 days: the certificate must still be valid in 824 days and not in 826.
  BOOST_TEST(Run("openssl x509 -noout -checkend " + std::to_string(824 * 86400) + " -in " + paths->cert_file)
                 .find("will not expire") != std::string::npos);
  BOOST_TEST(Run("openssl x509 -noout -checkend " + std::to_string(826 * 86400) + " -in " + paths->cert_file)
                 .find("will expire") != std::string::npos);
  // The key verifies against the certificate according to openssl too.
  BOOST_TEST(Run("openssl pkey -in " + paths->key_file + " -pubout") ==
             Run("openssl x509 -noout -pubkey -in " + paths->cert_file));
}

BOOST_AUTO_TEST_CASE(fingerprint_matches_openssl_cli) {
  TempDir tmp;
  Result<CertPaths> paths = EnsureCertificate(tmp.path, kNames);
  BOOST_REQUIRE(paths.ok());
  Result<std::string> fp = Sha256Fingerprint(paths->cert_file);
  BOOST_REQUIRE(fp.ok());
  BOOST_TEST(fp->size() == 32u * 3 - 1);
  std::string cli = Run("openssl x509 -noout -fingerprint -sha256 -in " + paths->cert_file);
  // "sha256 Fingerprint=AB:CD:...\n" (OpenSSL 3) or "SHA256 Fingerprint=..." (1.1).
  size_t eq = cli.find('=');
  BOOST_REQUIRE(eq != std::string::npos);
  std::string expected = cli.substr(eq + 1);
  while (!expected.empty() && (expected.back() == '\n' || expected.back() == '\r')) expected.pop_back();
  BOOST_TEST(*fp == expected);
}

BOOST_AUTO_TEST_CASE(second_call_loads_the_same_certificate) {
  TempDir tmp;
  Result<CertPaths> first = EnsureCertificate(tmp.path, kNames);
  BOOST_REQUIRE(first.ok());
  Result<std::string> fp1 = Sha256Fingerprint(first->cert_file);
  Result<CertPaths> second = EnsureCertificate(tmp.path, kNames);
  BOOST_REQUIRE_MESSAGE(second.ok(), (second.ok() ? std::string() : second.error().message));
  BOOST_TEST(!second->generated);
  Result<std::string> fp2 = Sha256Fingerprint(second->cert_file);
  BOOST_REQUIRE(fp1.ok() && fp2.ok());
  BOOST_TEST(*fp1 == *fp2);
  // Serials are random: two generations differ.
  TempDir other;
  Result<CertPaths> third = EnsureCertificate(other.path, kNames);
  BOOST_REQUIRE(third.ok());
  BOOST_TEST(Run("openssl x509 -noout -serial -in " + first->cert_file) !=
             Run("openssl x509 -noout -serial -in " + third->cert_file));
}

BOOST_AUTO_TEST_CASE(mismatched_key_is_an_error) {
  TempDir a, b;
  BOOST_REQUIRE(EnsureCertificate(a.path, kNames).ok());
  BOOST_REQUIRE(EnsureCertificate(b.path, kNames).ok());
  std::filesystem::copy_file(b.path + "/tls.key", a.path + "/tls.key",
                             std::filesystem::copy_options::overwrite_existing);
  BOOST_REQUIRE(::chmod((a.path + "/tls.key").c_str(), 0600) == 0);
  Result<CertPaths> r = EnsureCertificate(a.path, kNames);
  BOOST_REQUIRE(FailsWith(r, ErrorCode::kInvalidArgument, "private key does not match the certificate"));
  BOOST_TEST(r.error().message.find(a.path + "/tls.key") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(loose_key_mode_is_an_error) {
  TempDir tmp;
  BOOST_REQUIRE(EnsureCertificate(tmp.path, kNames).ok());
  std::string key = tmp.path + "/tls.key";
  for (mode_t mode : {0640, 0604, 0644}) {
    BOOST_REQUIRE(::chmod(key.c_str(), mode) == 0);
    Result<CertPaths> r = EnsureCertificate(tmp.path, kNames);
    BOOST_REQUIRE(FailsWith(r, ErrorCode::kInvalidArgument, "is readable by group or others; it must be 0600 or tighter"));
    BOOST_TEST(r.error().message.find(key) != std::string::npos, r.error().message);
  }
  BOOST_REQUIRE(::chmod(key.c_str(), 0400) == 0);  // tighter is fine
  BOOST_TEST(EnsureCertificate(tmp.path, kNames).ok());
}

BOOST_AUTO_TEST_CASE(garbage_pem_is_an_error) {
  TempDir tmp;
  BOOST_REQUIRE(EnsureCertificate(tmp.path, kNames).ok());
  std::string cert = tmp.path + "/tls.crt", key = tmp.path + "/tls.key";
  std::filesystem::copy_file(cert, tmp.path + "/good.crt");
  std::ofstream(cert, std::ios::trunc) << "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n";
  Result<CertPaths> r = EnsureCertificate(tmp.path, kNames);
  BOOST_REQUIRE(FailsWith(r, ErrorCode::kInvalidArgument, cert + ": not a PEM certificate"));
  BOOST_TEST(FailsWith(Sha256Fingerprint(cert), ErrorCode::kInvalidArgument, cert + ": not a PEM certificate"));

  std::filesystem::rename(tmp.path + "/good.crt", cert);
  { std::ofstream(key, std::ios::trunc) << "garbage\n"; }
  r = EnsureCertificate(tmp.path, kNames);
  BOOST_TEST(FailsWith(r, ErrorCode::kInvalidArgument, key + ": not an unencrypted PEM private key"));
}

BOOST_AUTO_TEST_CASE(expired_or_future_certificate_is_an_error) {
  TempDir tmp;
  std::string cert = tmp.path + "/tls.crt", key = tmp.path + "/tls.key";
  Status st = GenerateSelfSigned(cert, key, kNames, {.valid_days = 1, .not_before_offset = std::chrono::hours(-72)});
  BOOST_REQUIRE(st.ok());
  Result<CertPaths> r = EnsureCertificate(tmp.path, kNames);
  BOOST_REQUIRE(FailsWith(r, ErrorCode::kInvalidArgument, "certificate expired"));
  BOOST_TEST(r.error().message.find(cert) != std::string::npos);

  st = GenerateSelfSigned(cert, key, kNames, {.valid_days = 10, .not_before_offset = std::chrono::hours(48)});
  BOOST_REQUIRE(st.ok());
  r = EnsureCertificate(tmp.path, kNames);
  BOOST_TEST(FailsWith(r, ErrorCode::kInvalidArgument, cert + ": certificate not yet valid"));
}

BOOST_AUTO_TEST_CASE(only_one_file_or_bad_name_is_an_error) {
  TempDir tmp;
  BOOST_REQUIRE(EnsureCertificate(tmp.path, kNames).ok());
  std::filesystem::remove(tmp.path + "/tls.crt");
  Result<CertPaths> r = EnsureCertificate(tmp.path, kNames);
  BOOST_TEST(FailsWith(r, ErrorCode::kInvalidArgument, tmp.path + "/tls.crt is missing"));

  TempDir other;
  BOOST_TEST(FailsWith(EnsureCertificate(other.path, {}), ErrorCode::kInvalidArgument, "needs at least one name"));
  BOOST_TEST(FailsWith(EnsureCertificate(other.path, {"bad name,DNS:evil"}), ErrorCode::kInvalidArgument,
                       "not a DNS name or IP address: \"bad name,DNS:evil\""));
  BOOST_TEST(!std::filesystem::exists(other.path + "/tls.key"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive::tls
