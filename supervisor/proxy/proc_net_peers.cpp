#include "supervisor/proxy/proc_net_peers.h"

#include <fstream>
#include <sstream>

namespace clawhive::proxy {
namespace {

constexpr auto kCacheFor = std::chrono::seconds(5);

// "0100007F:1F90" -> port 0x1F90.
std::optional<uint16_t> PortOf(const std::string& addr) {
  size_t colon = addr.rfind(':');
  if (colon == std::string::npos || addr.size() - colon - 1 != 4) return std::nullopt;
  unsigned v = 0;
  for (size_t i = colon + 1; i < addr.size(); ++i) {
    char c = addr[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= static_cast<unsigned>(c - '0');
    else if (c >= 'A' && c <= 'F') v |= static_cast<unsigned>(c - 'A' + 10);
    else if (c >= 'a' && c <= 'f') v |= static_cast<unsigned>(c - 'a' + 10);
    else return std::nullopt;
  }
  return static_cast<uint16_t>(v);
}

}  // namespace

std::optional<uint32_t> MatchProcNetLine(const std::string& line, uint16_t local_port, uint16_t remote_port) {
  // sl local rem st queues timer retrnsmt uid ...
  std::istringstream in(line);
  std::string sl, local, remote, st, queues, timer, retr, uid;
  if (!(in >> sl >> local >> remote >> st >> queues >> timer >> retr >> uid)) return std::nullopt;
  std::optional<uint16_t> lp = PortOf(local), rp = PortOf(remote);
  if (!lp || !rp || *lp != local_port || *rp != remote_port) return std::nullopt;
  if (uid.empty() || uid.size() > 10) return std::nullopt;
  uint64_t v = 0;
  for (char c : uid) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > 0xffffffffu) return std::nullopt;
  return static_cast<uint32_t>(v);
}

std::optional<uint32_t> ProcNetPeers::UidOf(const std::string& client_ip, uint16_t client_port, uint16_t server_port) {
  const std::string key = client_ip + ":" + std::to_string(client_port) + ":" + std::to_string(server_port);
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end() && now - it->second.at < kCacheFor) return it->second.uid;
    if (cache_.size() > 10000) cache_.clear();
  }
  for (const char* file : {"/tcp", "/tcp6"}) {
    std::ifstream in(dir_ + file);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      if (std::optional<uint32_t> uid = MatchProcNetLine(line, client_port, server_port)) {
        std::lock_guard<std::mutex> lock(mu_);
        cache_[key] = {*uid, now};
        return uid;
      }
    }
  }
  return std::nullopt;
}

}  // namespace clawhive::proxy
