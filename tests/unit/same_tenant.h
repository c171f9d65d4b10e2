// CheckSameTenant(got, want): Boost.Test checks that two tenant records agree in every field, one check
// a field so that a failure names the field. For round trips through the store and for the supervisor's
// cached copies of what it wrote. Stateless; Boost.Test's macros are for the test thread.
#pragma once

#include <boost/test/unit_test.hpp>

#include "supervisor/tenant/tenant.h"

namespace clawhive::testing {

inline void CheckSameTenant(const Tenant& got, const Tenant& want) {
  BOOST_TEST(got.id == want.id);
  BOOST_TEST(got.display_name == want.display_name);
  BOOST_TEST(got.resources.memory_high == want.resources.memory_high);
  BOOST_TEST(got.resources.memory_max == want.resources.memory_max);
  BOOST_TEST(got.resources.cpu_weight == want.resources.cpu_weight);
  BOOST_TEST(got.resources.cpu_quota_percent == want.resources.cpu_quota_percent);
  BOOST_TEST(got.resources.tasks_max == want.resources.tasks_max);
  BOOST_TEST(got.agent.exec == want.agent.exec);
  BOOST_TEST(got.agent.args == want.agent.args, boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(got.agent.env.size() == want.agent.env.size());
  for (size_t i = 0; i < got.agent.env.size(); ++i) {
    BOOST_TEST(got.agent.env[i].first == want.agent.env[i].first);
    BOOST_TEST(got.agent.env[i].second == want.agent.env[i].second);
  }
  BOOST_TEST(got.agent.health_path == want.agent.health_path);
  BOOST_TEST(got.port == want.port);
  BOOST_TEST(got.uid == want.uid);
  BOOST_TEST((got.desired == want.desired));
  BOOST_TEST(got.quarantined == want.quarantined);
  BOOST_TEST(got.created_at == want.created_at);
  BOOST_TEST(got.updated_at == want.updated_at);
}

}  // namespace clawhive::testing
