// RenderConfig: the supervisor's configuration (/etc/clawhive/clawhive.yaml) for an answer file on a host
// of a given size. Pure and deterministic, so a second install with the same answers writes nothing.
//
// Headroom becomes the caps of clawhive.slice (all tenants together): memory_max = total - headroom.memory,
// cpu_quota = CPUs x (100% - headroom.cpu). Everything the answer file does not cover keeps the
// supervisor's default (docs/config.md), so an admin's later tuning is one key away.
#pragma once

#include <cstdint>
#include <string>

#include "installer/answers.h"

namespace clawhive::installer {

struct HostSize {
  uint64_t mem_total = 0;  // bytes; 0 = unknown (no memory cap written)
  uint64_t cpus = 0;       // online CPUs; 0 = unknown (no CPU cap written)
};

std::string RenderConfig(const Answers& answers, const HostSize& host);

// The tenant ports the kernel must not hand out as ephemeral client ports (net.ipv4.ip_local_reserved_ports):
// "BASE-LAST" for `tenants` tenants at port_base 20000, step 120 (the supervisor's defaults), at least one.
std::string ReservedPortRange(uint64_t tenants);

}  // namespace clawhive::installer
