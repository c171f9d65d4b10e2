#include "supervisor/tls/certificate.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace clawhive::tls {
namespace {

template <auto Fn>
struct Deleter {
  template <typename T>
  void operator()(T* p) const { Fn(p); }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using NamePtr = std::unique_ptr<X509_NAME, Deleter<X509_NAME_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;

// The most recent OpenSSL error as text (clears the queue), for messages.
std::string SslError() {
  unsigned long last = 0;
  while (unsigned long e = ERR_get_error()) last = e;
  if (last == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(last, buf, sizeof buf);
  return buf;
}

std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

bool IsIp(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

bool IsDnsName(const std::string& s) {
  if (s.empty() || s.size() > 253 || s.front() == '.' || s.back() == '.' || s.front() == '-') return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    if (!ok) return false;
  }
  return s.find("..") == std::string::npos;
}

// Never prompts: an encrypted key is an error rather than a question on the terminal.
int NoPassphrase(char*, int, int, void*) { return -1; }

std::string TimeText(const ASN1_TIME* t) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || ASN1_TIME_print(bio.get(), t) != 1) return "?";
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

Result<X509Ptr> ReadCert(const std::string& path) {
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) {
    ERR_clear_error();
    return Error::Unavailable(Errno("cannot open certificate", path));
  }
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!cert) return Error::Invalid(path + ": not a PEM certificate (" + SslError() + ")");
  return cert;
}

// Writes `data` to `path` via a temporary file in the same directory: O_EXCL, `mode`, fsync, rename,
// then fsync of the directory.
Status WriteFileAtomic(const std::string& path, const char* data, size_t size, mode_t mode) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  ::unlink(tmp.c_str());  // a leftover of a crashed run with the same pid
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return Error::Unavailable(Errno("cannot create", tmp));
  auto fail = [&](const char* what) {
    Error e = Error::Unavailable(Errno(what, tmp));
    ::close(fd);
    ::unlink(tmp.c_str());
    return e;
  };
  if (::fchmod(fd, mode) != 0) return fail("cannot chmod");  // umask may have removed bits
  for (size_t off = 0; off < size;) {
    ssize_t n = ::write(fd, data + off, size - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("cannot write");
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("cannot fsync");
  if (::close(fd) != 0) {
    Error e = Error::Unavailable(Errno("cannot close", tmp));
    ::unlink(tmp.c_str());
    return e;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Error e = Error::Unavailable(Errno("cannot rename to", path));
    ::unlink(tmp.c_str());
    return e;
  }
  size_t slash = path.find_last_of('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

// PEM of a BIO_s_mem, written atomically; the buffer is wiped afterwards (it may hold a private key).
Status WriteBio(BIO* bio, const std::string& path, mode_t mode) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  if (n <= 0 || !data) return Error::Internal("empty PEM for " + path);
  Status st = WriteFileAtomic(path, data, static_cast<size_t>(n), mode);
  OPENSSL_cleanse(data, static_cast<size_t>(n));
  return st;
}

Status AddExt(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
    return Error::Internal("cannot add certificate extension " + std::string(OBJ_nid2sn(nid)) + ": " + SslError());
  return Status::Ok();
}

}  // namespace

Status GenerateSelfSigned(const std::string& cert_path, const std::string& key_path,
                          const std::vector<std::string>& names, const GenerateOptions& options) {
  if (names.empty()) return Error::Invalid("a certificate needs at least one name");
  std::string san;
  for (const std::string& n : names) {
    if (!san.empty()) san += ',';
    if (IsIp(n)) san += "IP:" + n;
    else if (IsDnsName(n)) san += "DNS:" + n;
    else return Error::Invalid("not a DNS name or IP address: \"" + n + "\"");
  }

  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return Error::Internal("cannot generate EC P-256 key: " + SslError());

  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1)
    return Error::Internal("cannot create certificate: " + SslError());

  unsigned char serial[16];
  do {
    if (RAND_bytes(serial, sizeof serial) != 1) return Error::Internal("RAND_bytes failed: " + SslError());
  } while (std::all_of(serial, serial + sizeof serial, [](unsigned char b) { return b == 0; }));
  BnPtr bn(BN_bin2bn(serial, sizeof serial, nullptr));
  if (!bn || !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())))
    return Error::Internal("cannot set serial: " + SslError());

  long offset = static_cast<long>(options.not_before_offset.count());
  if (!X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, offset, nullptr) ||
      !X509_time_adj_ex(X509_getm_notAfter(cert.get()), options.valid_days, offset, nullptr))
    return Error::Internal("cannot set validity: " + SslError());

  X509_NAME* subject = X509_get_subject_name(cert.get());
  const std::string& cn = names.front();
  if (X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Clawhive"),
                                 -1, -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()),
                                 -1, -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), subject) != 1 || X509_set_pubkey(cert.get(), key.get()) != 1)
    return Error::Internal("cannot set certificate names: " + SslError());

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair<int, std::string>{NID_basic_constraints, "critical,CA:FALSE"},
                            {NID_key_usage, "critical,digitalSignature"},
                            {NID_ext_key_usage, "serverAuth"},
                            {NID_subject_key_identifier, "hash"},
                            {NID_subject_alt_name, san}}) {
    if (Status st = AddExt(cert.get(), &ctx, nid, value); !st) return st;
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) return Error::Internal("cannot sign: " + SslError());

  BioPtr key_pem(BIO_new(BIO_s_mem()));
  BioPtr cert_pem(BIO_new(BIO_s_mem()));
  if (!key_pem || !cert_pem ||
      PEM_write_bio_PrivateKey(key_pem.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_bio_X509(cert_pem.get(), cert.get()) != 1)
    return Error::Internal("cannot encode PEM: " + SslError());
  // Key first: a crash in between leaves a key without certificate, which EnsureCertificate reports
  // (naming the missing file) rather than a certificate whose key is lost.
  if (Status st = WriteBio(key_pem.get(), key_path, 0600); !st) return st;
  return WriteBio(cert_pem.get(), cert_path, 0644);
}

Status ValidateCertificate(const std::string& cert_path, const std::string& key_path) {
  // The key file's mode, checked on the opened file (the path may be a symlink an admin installed).
  int fd = ::open(key_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error::Unavailable(Errno("cannot open key", key_path));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    Error e = Error::Unavailable(Errno("cannot stat key", key_path));
    ::close(fd);
    return e;
  }
  if (st.st_mode & 077) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Error::Invalid(key_path + ": private key file mode " + mode +
                          " is readable by group or others; it must be 0600 or tighter");
  }
  BioPtr key_bio(BIO_new_fd(fd, BIO_CLOSE));
  if (!key_bio) {
    ::close(fd);
    return Error::Internal("BIO_new_fd: " + SslError());
  }
  PkeyPtr key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, NoPassphrase, nullptr));
  if (!key) return Error::Invalid(key_path + ": not an unencrypted PEM private key (" + SslError() + ")");

  Result<X509Ptr> cert = ReadCert(cert_path);
  if (!cert) return cert.error();
  if (EVP_PKEY_eq(X509_get0_pubkey(cert->get()), key.get()) != 1) {
    ERR_clear_error();
    return Error::Invalid(key_path + ": private key does not match the certificate " + cert_path);
  }
  const ASN1_TIME* not_before = X509_get0_notBefore(cert->get());
  const ASN1_TIME* not_after = X509_get0_notAfter(cert->get());
  if (X509_cmp_current_time(not_after) <= 0)
    return Error::Invalid(cert_path + ": certificate expired (notAfter " + TimeText(not_after) + ")");
  if (X509_cmp_current_time(not_before) >= 0)
    return Error::Invalid(cert_path + ": certificate not yet valid (notBefore " + TimeText(not_before) + ")");
  return Status::Ok();
}

Result<CertPaths> EnsureCertificate(const std::string& dir, const std::vector<std::string>& names) {
  if (dir.empty()) return Error::Invalid("empty TLS directory");
  CertPaths paths{dir + "/tls.crt", dir + "/tls.key", false};
  bool have_cert = Exists(paths.cert_file), have_key = Exists(paths.key_file);
  if (have_cert && have_key) {
    if (Status st = ValidateCertificate(paths.cert_file, paths.key_file); !st) return st.error();
    return paths;
  }
  if (have_cert != have_key)
    return Error::Invalid((have_cert ? paths.key_file : paths.cert_file) + " is missing (" +
                          (have_cert ? paths.cert_file : paths.key_file) +
                          " exists); install both files, or remove both to generate a self-signed certificate");
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Error::Unavailable(Errno("cannot create directory", dir));
  if (Status st = GenerateSelfSigned(paths.cert_file, paths.key_file, names); !st) return st.error();
  paths.generated = true;
  return paths;
}

Result<std::string> Sha256Fingerprint(const std::string& cert_path) {
  Result<X509Ptr> cert = ReadCert(cert_path);
  if (!cert) return cert.error();
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert->get(), EVP_sha256(), md, &len) != 1)
    return Error::Internal("cannot digest " + cert_path + ": " + SslError());
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    if (i) out += ':';
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xf];
  }
  return out;
}

}  // namespace clawhive::tls
