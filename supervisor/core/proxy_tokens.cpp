#include "supervisor/core/proxy_tokens.h"

namespace clawhive {

Status ProxyTokens::Ensure(const std::string& tenant, int64_t now_ms) {
  Result<bool> has = ledger_.HasToken(tenant);
  if (!has) return has.error();
  if (*has && vault_.Get(tenant, kProxyTokenSecret)) return Status::Ok();
  auto row = store_.GetTenant(tenant);
  if (!row) return row.error();
  if (!row->has_value()) return Error::NotFound("no tenant '" + tenant + "'");
  Result<std::string> token = ledger_.IssueToken(tenant, (*row)->uid, now_ms);
  if (!token) return token.error();
  Result<SecretInfo> info = vault_.Put(tenant, kProxyTokenSecret, SecretValue(std::move(*token)));
  if (!info) return info.error();
  // Called before a start: nothing runs on an older token, so the new one is current at once.
  uint32_t newest = info->versions.empty() ? 0 : info->versions.front().version;
  if (info->current_version != newest) {
    if (Status s = vault_.Promote(tenant, kProxyTokenSecret, newest); !s) return s;
    (void)vault_.RetirePrevious(tenant, kProxyTokenSecret);
  }
  return Status::Ok();
}

Status ProxyTokens::Remove(const std::string& tenant) { return ledger_.RemoveTenant(tenant); }

}  // namespace clawhive
