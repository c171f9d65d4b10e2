#include "supervisor/proxy/provider_key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <cerrno>
#include <system_error>

#include "supervisor/common/unique_fd.h"

namespace clawhive::proxy {

Status FileKeys::Refresh() {
  const auto now = std::chrono::steady_clock::now();
  if (loaded_ && now - checked_at_ < recheck_) return state_;
  checked_at_ = now;
  auto fail = [&](Error e) {
    keys_.clear();  // nothing from an older file outlives a broken or missing one
    loaded_ = true;
    ino_ = 0;
    state_ = Status(std::move(e));
    return state_;
  };
  auto os_error = [&](const std::string& what, int err) {
    std::string m = "provider keys: " + what + " " + path_ + ": " + std::error_code(err, std::generic_category()).message();
    if (err == ENOENT)
      m += " (the supervisor writes it at start and whenever a platform secret changes: is clawhive-supervisor running?)";
    return Error{err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kUnavailable, m};
  };
  UniqueFd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY));
  if (fd.get() < 0) return fail(os_error("cannot open", errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return fail(os_error("cannot stat", errno));
  if (!S_ISREG(st.st_mode)) return fail(Error::Invalid("provider keys: " + path_ + " is not a regular file"));
  const int64_t mtime_ns = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
  if (state_.ok() && ino_ != 0 && st.st_dev == dev_ && st.st_ino == ino_ && st.st_size == size_ && mtime_ns == mtime_ns_)
    return state_;  // the same file as last time
  if (static_cast<uint64_t>(st.st_size) > meter::kMaxProviderKeysBytes)
    return fail(Error{ErrorCode::kTooLarge, "provider keys: " + path_ + " is " + std::to_string(st.st_size) +
                                                " bytes, more than a provider-key file may hold (" +
                                                std::to_string(meter::kMaxProviderKeysBytes) + ")"});
  char buf[4096];
  std::string text;
  text.reserve(meter::kMaxProviderKeysBytes + sizeof buf);  // never reallocated: no stray copy of a value
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      OPENSSL_cleanse(buf, sizeof buf);
      OPENSSL_cleanse(text.data(), text.size());
      return fail(os_error("cannot read", err));
    }
    if (n == 0) break;
    if (text.size() + static_cast<size_t>(n) > meter::kMaxProviderKeysBytes) {  // grew after fstat
      OPENSSL_cleanse(buf, sizeof buf);
      OPENSSL_cleanse(text.data(), text.size());
      return fail(Error{ErrorCode::kTooLarge, "provider keys: " + path_ + " is larger than " +
                                                  std::to_string(meter::kMaxProviderKeysBytes) + " bytes"});
    }
    text.append(buf, static_cast<size_t>(n));  // within the reservation: no stray copy
  }
  OPENSSL_cleanse(buf, sizeof buf);
  SecretValue kept(std::move(text));  // wiped at the end of this scope
  Result<std::map<std::string, SecretValue>> parsed = meter::ParseProviderKeys(kept.view(), "provider keys: " + path_);
  if (!parsed) return fail(parsed.error());
  keys_ = std::move(*parsed);
  loaded_ = true;
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  size_ = st.st_size;
  mtime_ns_ = mtime_ns;
  state_ = Status::Ok();
  return state_;
}

Result<std::string> FileKeys::Key(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (Status s = Refresh(); !s) return s.error();
  auto it = keys_.find(name);
  if (it == keys_.end())
    return Error::NotFound("no platform secret '" + name + "' with a current version (provider keys: " + path_ + ")");
  return std::string(it->second.view());
}

}  // namespace clawhive::proxy
