#include "supervisor/common/json.h"

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>
#include <string>

namespace clawhive {
namespace {

JsonValue Parse(const std::string& text) {
  Result<JsonValue> r = ParseJson(text);
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return *r;
}

std::string ParseError(const std::string& text, const JsonLimits& limits = {}) {
  Result<JsonValue> r = ParseJson(text, limits);
  BOOST_REQUIRE_MESSAGE(!r.ok(), "parsed but should not have: " << Printable(text));
  BOOST_TEST((r.error().code == ErrorCode::kInvalidArgument));
  return r.error().message;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(api)
BOOST_AUTO_TEST_SUITE(json)

BOOST_AUTO_TEST_CASE(every_kind_of_value_is_read) {
  JsonValue v = Parse(R"( {"s":"x","i":-5,"u":18446744073709551615,"d":1.5e2,"t":true,"f":false,"n":null,
                          "a":[1,[]],"o":{}} )");
  BOOST_TEST(v.Find("s")->string() == "x");
  BOOST_TEST(v.Find("i")->negative());
  BOOST_TEST(v.Find("i")->magnitude() == 5u);
  BOOST_TEST(!v.Find("i")->AsUnsigned().has_value());
  BOOST_TEST(v.Find("u")->AsUnsigned().value() == std::numeric_limits<uint64_t>::max());
  BOOST_TEST((v.Find("d")->kind() == JsonValue::Kind::kNumber));
  BOOST_TEST(v.Find("d")->number() == 150.0);
  BOOST_TEST(v.Find("t")->boolean());
  BOOST_TEST(!v.Find("f")->boolean());
  BOOST_TEST(v.Find("n")->is_null());
  BOOST_TEST(v.Find("a")->items().size() == 2u);
  BOOST_TEST(v.Find("o")->members().empty());
  BOOST_TEST(v.Find("missing") == nullptr);
}

BOOST_AUTO_TEST_CASE(object_members_keep_document_order) {
  JsonValue v = Parse(R"({"b":1,"a":2,"c":3})");
  BOOST_TEST(v.members()[0].first == "b");
  BOOST_TEST(v.members()[1].first == "a");
  BOOST_TEST(v.members()[2].first == "c");
}

BOOST_AUTO_TEST_CASE(integers_too_big_for_64_bits_become_numbers_not_wrapped_integers) {
  JsonValue v = Parse("[18446744073709551616, -9223372036854775808, -9223372036854775809]");
  BOOST_TEST((v.items()[0].kind() == JsonValue::Kind::kNumber));
  BOOST_TEST((v.items()[1].kind() == JsonValue::Kind::kInteger));
  BOOST_TEST((v.items()[2].kind() == JsonValue::Kind::kNumber));
  BOOST_TEST(ParseError("1e999").find("number out of range") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(escapes_and_surrogate_pairs_decode_to_utf8) {
  JsonValue v = Parse(R"("a\"b\\c\/d\n\t\u00e9\ud83d\ude00\u0000")");
  BOOST_TEST(v.string() == std::string("a\"b\\c/d\n\t\xC3\xA9\xF0\x9F\x98\x80\0", 16));
}

BOOST_AUTO_TEST_CASE(errors_give_the_line_and_the_column_in_characters) {
  BOOST_TEST(ParseError("{\n  \"a\": tru\n}") == "malformed JSON at line 2, column 8: expected a value, found 't'");
  BOOST_TEST(ParseError("[\"\xC3\xA9\xC3\xA9\", x]") == "malformed JSON at line 1, column 8: expected a value, found 'x'");
  BOOST_TEST(ParseError("") == "malformed JSON at line 1, column 1: expected a value, found end of input");
  BOOST_TEST(ParseError("{\"a\":1") ==
             "malformed JSON at line 1, column 7: expected ',' or '}' after an object member, found end of input");
}

BOOST_AUTO_TEST_CASE(strict_rfc_8259_is_enforced) {
  for (const char* text : {"{'a':1}", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "+1", "-", "1e", "NaN", "Infinity",
                           "tru", "nulll", "[1 2]", "{\"a\" 1}", "{1:2}", "\"\\x\"", "\"\\u12\"", "// c\n1", "1 2"}) {
    ParseError(text);
  }
}

BOOST_AUTO_TEST_CASE(bad_strings_are_refused) {
  BOOST_TEST(ParseError("\"a\nb\"").find("control character") != std::string::npos);
  BOOST_TEST(ParseError("\"\xFF\"").find("invalid UTF-8") != std::string::npos);
  BOOST_TEST(ParseError("\"\xC0\xAF\"").find("invalid UTF-8") != std::string::npos);      // overlong '/'
  BOOST_TEST(ParseError("\"\xED\xA0\x80\"").find("invalid UTF-8") != std::string::npos);  // raw surrogate
  BOOST_TEST(ParseError("\"\\udc00\"").find("lone low surrogate") != std::string::npos);
  BOOST_TEST(ParseError("\"\\ud800x\"").find("high surrogate") != std::string::npos);
  BOOST_TEST(ParseError("\"abc").find("unterminated string") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(duplicate_keys_are_refused_and_named) {
  BOOST_TEST(ParseError(R"({"port":1,"port":2})") == "malformed JSON at line 1, column 11: duplicate key 'port'");
}

BOOST_AUTO_TEST_CASE(nesting_stops_at_the_depth_limit) {
  JsonLimits limits;
  limits.max_depth = 4;
  BOOST_TEST(ParseJson("[[[[1]]]]", limits).ok());
  BOOST_TEST(ParseError("[[[[[1]]]]]", limits) == "malformed JSON at line 1, column 5: nesting deeper than 4 levels");
  BOOST_TEST(ParseError(std::string(1000000, '[')).find("nesting deeper than 32 levels") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_number_of_values_is_capped) {
  JsonLimits limits;
  limits.max_values = 5;
  BOOST_TEST(ParseJson("[1,2,3,4]", limits).ok());
  BOOST_TEST(ParseError("[1,2,3,4,5]", limits).find("too many values") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_writer_escapes_what_json_requires_and_keeps_utf8) {
  JsonValue v = JsonValue::Object();
  v.Set("s", JsonValue::String(std::string("q\"b\\n\n\x01\x7F/\xC3\xA9", 11)));
  BOOST_TEST(v.Serialize() == "{\"s\":\"q\\\"b\\\\n\\n\\u0001\\u007f/\xC3\xA9\"}");
}

BOOST_AUTO_TEST_CASE(the_writer_never_emits_invalid_json) {
  JsonValue v = JsonValue::Array();
  v.Push(JsonValue::String("bad \xFF\xC3 utf8"))
      .Push(JsonValue::Number(std::nan("")))
      .Push(JsonValue::Number(std::numeric_limits<double>::infinity()))
      .Push(JsonValue::Signed(std::numeric_limits<int64_t>::min()))
      .Push(JsonValue::Number(0.1));
  std::string text = v.Serialize();
  BOOST_TEST(text == "[\"bad \xEF\xBF\xBD\xEF\xBF\xBD utf8\",null,null,-9223372036854775808,0.1]");
  BOOST_TEST(ParseJson(text).ok());
}

BOOST_AUTO_TEST_CASE(optional_values_are_written_as_null_when_unset) {
  JsonValue v = JsonValue::Array();
  v.Push(JsonValue::Optional(std::optional<uint64_t>()))
      .Push(JsonValue::Optional(std::optional<uint64_t>(7)))
      .Push(JsonValue::Optional(std::optional<double>(2.5)));
  BOOST_TEST(v.Serialize() == "[null,7,2.5]");
}

BOOST_AUTO_TEST_CASE(printable_makes_client_strings_safe_for_messages) {
  BOOST_TEST(Printable("ok-name") == "ok-name");
  BOOST_TEST(Printable(std::string("a\n\0\\\xFF", 5)) == "a\\x0a\\x00\\x5c\\xff");
  BOOST_TEST(Printable(std::string(100, 'x'), 4) == "xxxx...");
}

BOOST_AUTO_TEST_SUITE_END()  // json
BOOST_AUTO_TEST_SUITE_END()  // api

}  // namespace clawhive
