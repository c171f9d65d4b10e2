// egress: what the egress proxy (docs/egress.md) adds to an agent's HTTPS, and what it carries (issue 13's
// benchmark, docs/benchmarks.md). In one process, over real loopback sockets, as it runs in production:
//   - a web site (stub/fake_site.h) serving HTTPS on 127.0.0.1 with a certificate made for the run, which
//     the client verifies;
//   - the egress proxy (egress::EgressServer) with the production book (LedgerBook over a real meter.db,
//     its WAL checkpointed off the request path as clawhive-proxy does), the system resolver and the
//     operator policy allowing the site's address (its block in allow_cidrs: loopback is refused
//     otherwise); the tenant is known by its proxy token's uid, as the supervisor issues it;
//   - the tenant's egress bridge (bridge::Serve, the code clawhive-bridge runs) from its source address.
// Three paths per sample, back to back, the order rotating each sample: direct (TCP + TLS to the site),
// through the proxy (TCP to the proxy from the tenant's 127.128.0.0/9 address, CONNECT, TLS inside), and
// through bridge and proxy (what an agent does: the socket in its namespace, the bridge, the proxy).
// The target is an address literal, so no DNS lookup is in either path.
//   egress_added_latency_{p50,p99}      ms  per sample: through the proxy minus direct; a new connection,
//                                           CONNECT, TLS handshake, GET / and its whole answer
//   egress_bridge_added_latency_{p50,p99} ms  the same through bridge and proxy (the agent's whole path)
//   egress_direct_latency_*, egress_proxied_latency_*, egress_bridged_latency_*   the samples' own times
//   egress_direct_throughput_mbps, egress_throughput_mbps, egress_bridge_throughput_mbps   MB/s (10^6 B/s)
//                                           of one download (GET /bytes/N over TLS), median of the runs
//   egress_throughput_vs_direct, egress_bridge_throughput_vs_direct   ratios of those medians
//   egress_metered_bytes_in_vs_carried      ratio: the tenant's bytes_in in meter.db / the TLS bytes the
//                                           client received through the proxy (>= 1: TLS records count)
//   egress_metered_tunnels, egress_tunnels, egress_failed
#pragma once

namespace clawhive::bench {

struct EgressBenchOptions {
  int samples = 400;  // latency samples (each: the three paths)
  int runs = 7;       // throughput runs (each: the three paths)
  int mib = 256;      // per download
};

int EgressBench(const EgressBenchOptions& options);

}  // namespace clawhive::bench
