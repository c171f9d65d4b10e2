#include "supervisor/core/proxy_tokens.h"

namespace clawhive {

Result<std::string> ProxyTokens::Issue(const Tenant& t, int64_t now_ms) { return ledger_.IssueToken(t.id, t.uid, now_ms); }

Status ProxyTokens::Keep(const std::string& tenant, std::string token) {
  Result<SecretInfo> info = vault_.Put(tenant, kProxyTokenSecret, SecretValue(std::move(token)));
  if (!info) return info.error();
  uint32_t newest = info->versions.empty() ? 0 : info->versions.front().version;
  if (info->current_version != newest) {
    if (Status s = vault_.Promote(tenant, kProxyTokenSecret, newest); !s) return s;
    (void)vault_.RetirePrevious(tenant, kProxyTokenSecret);
  }
  ensured_.insert(tenant);
  return Status::Ok();
}

Status ProxyTokens::Ensure(const Tenant& t, int64_t now_ms) {
  if (ensured_.count(t.id)) return Status::Ok();
  Result<bool> has = ledger_.HasToken(t.id);
  if (!has) return has.error();
  if (*has && vault_.Get(t.id, kProxyTokenSecret)) {
    ensured_.insert(t.id);
    return Status::Ok();
  }
  Result<std::string> token = Issue(t, now_ms);
  if (!token) return token.error();
  return Keep(t.id, std::move(*token));
}

}  // namespace clawhive
