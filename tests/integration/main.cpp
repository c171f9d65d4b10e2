#define BOOST_TEST_MODULE clawhive_integration
#include <boost/test/unit_test.hpp>
