// proxy: what the metering proxy adds to a model call, measured as it runs in production (issue 5's
// benchmark, docs/benchmarks.md). In one process, over real loopback sockets:
//   - the provider stub serving HTTPS with a certificate made for the run; the proxy trusts it the way
//     production trusts a provider (OpenSSL's default verify paths: SSL_CERT_FILE names it);
//   - the proxy (proxy::ProxyServer) with the production peer check (BridgePeers over ProcNetPeers) and
//     the production key source (FileKeys over a provider-keys file in the export's format), its ledger
//     a real meter.db checkpointed off the request path as clawhive-proxy does;
//   - 4 tenants, each calling from its own 127.128.0.0/9 address (bound before connect, as
//     clawhive-bridge does), with its own proxy token; ~61 KB OpenClaw-shaped chat bodies.
// Latency is paired: each request through the proxy goes with a direct request to the stub over TLS
// (what the agent would do without the proxy), interleaved; the figures are quantiles of the per-pair
// differences. Prints (all per run, `name value unit`):
//   proxy_added_latency_{p50,p99}_ms_at_{50,200}_pairs_per_s    proxied minus paired direct TLS, whole answer
//   direct_tls_latency_{p50,p99}_ms_at_..., proxied_latency_{p50,p99}_ms_at_...   the pairs' own times
//   proxy_added_sse_first_event_{p50,p99}_ms                   the same for the first SSE event, 50 pairs/s
//   direct_tls_requests_per_s, proxy_requests_per_s            closed loop, 16 connections; and their ratio
//   proxy_peer_check_refused_foreign_token                     1 when another tenant's token was refused
//   proxy_metered_requests, proxy_answered_requests, proxy_failed_requests
#pragma once

namespace clawhive::bench {

// `seconds_per_run`: the length of each paired run and each closed-loop run (default 10).
int ProxyBench(double seconds_per_run);

}  // namespace clawhive::bench
