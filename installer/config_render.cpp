#include "installer/config_render.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "supervisor/config/config.h"

namespace clawhive::installer {
namespace {

// Whole MiB: every size the answer file accepts is at least that precise in practice, and "1536M" reads
// better in the file than a byte count.
std::string Mib(uint64_t bytes) {
  if (bytes % (uint64_t{1} << 20) != 0) return std::to_string(bytes);
  return std::to_string(bytes >> 20) + "M";
}

std::string HostPortText(const std::string& address, uint16_t port) {
  if (address.find(':') != std::string::npos) return "[" + address + "]:" + std::to_string(port);
  return address + ":" + std::to_string(port);
}

}  // namespace

std::string RenderConfig(const Answers& a, const HostSize& host) {
  // yaml-cpp's emitter quotes whatever needs it (a product name with ':' or '#'), so no hand escaping.
  YAML::Emitter e;
  e << YAML::BeginMap;
  e << YAML::Key << "api" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "listen" << YAML::Value << YAML::DoubleQuoted << HostPortText(a.listen_address, a.listen_port);
  if (!a.tls_cert.empty()) {
    e << YAML::Key << "tls" << YAML::Value << YAML::BeginMap << YAML::Key << "cert" << YAML::Value << a.tls_cert
      << YAML::Key << "key" << YAML::Value << a.tls_key << YAML::EndMap;
  }
  e << YAML::EndMap;

  e << YAML::Key << "parent_slice" << YAML::Value << YAML::BeginMap;
  if (host.mem_total > a.headroom_memory)
    e << YAML::Key << "memory_max" << YAML::Value << Mib((host.mem_total - a.headroom_memory) >> 20 << 20);
  if (host.cpus > 0 && a.headroom_cpu_percent < 100)
    e << YAML::Key << "cpu_quota" << YAML::Value
      << std::to_string(std::max<uint64_t>(1, host.cpus * (100 - a.headroom_cpu_percent))) + "%";
  e << YAML::EndMap;

  e << YAML::Key << "tenant_defaults" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "memory_high" << YAML::Value << Mib(a.memory_high);
  e << YAML::Key << "memory_max" << YAML::Value << Mib(a.memory_max);
  e << YAML::Key << "cpu_quota" << YAML::Value << std::to_string(a.cpu_quota_percent) + "%";
  e << YAML::Key << "tasks_max" << YAML::Value << a.tasks_max;
  if (!a.agent_exec.empty())
    e << YAML::Key << "agent" << YAML::Value << YAML::BeginMap << YAML::Key << "exec" << YAML::Value << a.agent_exec
      << YAML::EndMap;
  e << YAML::EndMap;
  if (!a.runtime.empty() || !a.models.empty()) {
    e << YAML::Key << "openclaw" << YAML::Value << YAML::BeginMap;
    if (!a.runtime.empty()) e << YAML::Key << "runtime" << YAML::Value << a.runtime;
    if (!a.models.empty()) {
      e << YAML::Key << "models" << YAML::Value << YAML::Flow << YAML::BeginSeq;
      for (const std::string& m : a.models) e << YAML::DoubleQuoted << m;
      e << YAML::EndSeq;
    }
    e << YAML::EndMap;
  }

  e << YAML::Key << "branding" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "product_name" << YAML::Value << YAML::DoubleQuoted << a.product_name;
  e << YAML::Key << "primary_color" << YAML::Value << YAML::DoubleQuoted << a.primary_color;
  e << YAML::EndMap;
  e << YAML::EndMap;

  return "# Written by clawhive-install from /etc/clawhive/answers.yaml. Every key not here has its default\n"
         "# (reference: docs/config.md). After an edit: systemctl restart clawhive-supervisor clawhive-proxy\n"
         "# (tenants keep running). Re-running the installer rewrites this file and keeps the old one as\n"
         "# clawhive.yaml.bak.\n" +
         std::string(e.c_str()) + "\n";
}

std::string ReservedPortRange(uint64_t tenants) {
  const Config defaults;
  uint64_t base = defaults.port_base, step = defaults.port_step;
  uint64_t last = base + step * std::max<uint64_t>(tenants, 1) - 1;
  return std::to_string(base) + "-" + std::to_string(std::min<uint64_t>(last, 65535));
}

}  // namespace clawhive::installer
