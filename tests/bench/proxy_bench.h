// proxy: the metering proxy's added latency and throughput (issue 5's benchmark). In one process: the
// provider stub, a ledger file and the proxy, over real loopback HTTP; the same requests go to the stub
// directly (the same-run baseline) and through the proxy, ~61 KB OpenClaw-shaped bodies.
//
//   proxy_added_p50/p99[_100rps]   proxied minus direct latency quantiles at 500 (100) requests/s, ms
//   proxy_sse_ttfb_added           proxied minus direct time to the first SSE event (p50, 100 rps), ms
//   proxy_max_rps                  closed loop through the proxy, 16 connections
#pragma once

namespace clawhive::bench {

int ProxyBench(double seconds_per_run);

}  // namespace clawhive::bench
