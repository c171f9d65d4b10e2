#define BOOST_TEST_MODULE clawhive_openclaw
#include <boost/test/unit_test.hpp>
