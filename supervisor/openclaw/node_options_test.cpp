// NODE_OPTIONS of an OpenClaw gateway: a heap cap from the tenant's memory_max and the compile cache flush.
#include "supervisor/openclaw/node_options.h"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <string>

namespace clawhive {

BOOST_AUTO_TEST_SUITE(gateway_node_options)

BOOST_AUTO_TEST_CASE(the_heap_cap_is_seventy_percent_of_memory_max_in_mib) {
  BOOST_TEST(GatewayHeapMiB(uint64_t{1536} << 20) == 1075u);
  BOOST_TEST(GatewayNodeOptions(uint64_t{1536} << 20).rfind("--max-old-space-size=1075 ", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(a_tiny_memory_max_still_leaves_the_gateway_a_usable_heap) {
  BOOST_TEST(GatewayHeapMiB(uint64_t{64} << 20) == kMinHeapMiB);
}

BOOST_AUTO_TEST_CASE(no_memory_limit_means_no_heap_cap_but_still_the_cache_flush) {
  BOOST_TEST(GatewayHeapMiB(0) == 0u);
  std::string o = GatewayNodeOptions(0);
  BOOST_TEST(o.find("max-old-space-size") == std::string::npos);
  BOOST_TEST(o.find("flushCompileCache") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_options_survive_nodes_splitting_at_spaces_and_double_quotes) {
  std::string o = GatewayNodeOptions(uint64_t{2} << 30);
  BOOST_TEST(o.find('"') == std::string::npos);
  // Exactly two options: the cap and the import, each one word.
  BOOST_TEST(std::count(o.begin(), o.end(), ' ') == 1);
  BOOST_TEST(o.substr(o.find(' ') + 1).rfind("--import=data:text/javascript,", 0) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clawhive
