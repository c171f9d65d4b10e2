#define BOOST_TEST_MODULE clawhive_unit
#include <boost/test/unit_test.hpp>
