// YamlWalker: the one way Clawhive reads a YAML settings file (the supervisor's clawhive.yaml, the
// installer's answer file) with yaml-cpp: typed getters that name the offending key path and position.
//
// Every error is "FILE:LINE:COL: message" (1-based) and says what was expected, e.g.
// "clawhive.yaml:4:15: tenant_defaults.memory_max: expected a size such as 512M or 2G, or infinity, got a
// list". Unknown keys, duplicate keys (yaml-cpp keeps both), empty keys and wrong kinds are errors.
// The first error wins: later getters return false without replacing it.
//
// Hostile input is bounded before yaml-cpp builds a tree (Walk): at most YamlLimits::max_bytes of UTF-8
// text without control characters but tab/CR/LF, one document, max_nodes events and max_depth levels of
// nesting. yaml-cpp shares an aliased node instead of copying it, so a "billion laughs" file is small as
// a tree but huge when walked; every node the walker visits counts against max_nodes too.
//
// Use: derive a loader from YamlWalker (its getters are its vocabulary), call Walk or WalkFile with a
// function that reads the root with Map and the getters. Thread-compatible; one walk per object.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "supervisor/common/host_port.h"
#include "supervisor/common/result.h"

namespace clawhive {

struct YamlLimits {
  size_t max_bytes = size_t{1} << 20;  // 1 MiB; the messages say "1 MiB"
  // A real config has about a hundred nodes and a depth of four.
  size_t max_nodes = 100000;
  int max_depth = 64;
};

// What the file is, for messages: noun "the config" ("the config must be UTF-8 text", "expected a key
// name in the config"), kind "a config file" ("this cannot be a config file").
struct YamlDocument {
  std::string noun;
  std::string kind;
};

class YamlWalker {
 public:
  using Node = const YAML::Node&;
  using Path = const std::string&;
  // Reads one key's value; `path` is the dotted key path ("tenant_defaults.agent.exec").
  using Handler = std::function<bool(Node key, Node value, Path path)>;
  struct Field {
    const char* name;
    Handler handle;
  };

  // `file` prefixes every message (the path, for a file read with WalkFile).
  YamlWalker(std::string file, YamlDocument document, YamlLimits limits = {})
      : file_(std::move(file)), document_(std::move(document)), limits_(limits) {}
  virtual ~YamlWalker() = default;

  // Checks and parses `text`, then runs `walk` on the root (a null node for an empty file). yaml-cpp
  // exceptions and out-of-memory become errors: kInvalidArgument "FILE:LINE:COL: ...", kTooLarge for
  // text over max_bytes or exhausted memory.
  Status Walk(const std::string& text, const std::function<bool(Node root)>& walk);
  // Reads a regular file of at most max_bytes (a FIFO does not block: it is refused) and walks it.
  // kNotFound when it does not exist, kUnavailable when it cannot be read.
  Status WalkFile(const std::string& path, const std::function<bool(Node root)>& walk);

  // Records the first error at `mark` (a null mark is the start of the file). Always false.
  bool Fail(const YAML::Mark& mark, const std::string& message);
  const std::string& error() const { return error_; }
  // Counts a node against max_nodes; false (and an error) once over.
  bool Visit(Node node);

  // A map of known keys. A null node (a section whose keys are all commented out) is an empty map when
  // null_is_empty, else an error at `where`. Each key's Handler gets "section.key" as its path.
  bool Map(Node node, const YAML::Mark& where, Path section, const std::vector<Field>& fields, bool null_is_empty);
  // A Handler reading a nested map (a section within a section).
  Handler Section(std::vector<Field> fields, bool null_is_empty);
  // A list; `each` gets the list (for positions), an item and "path[i]". Null: empty when null_is_empty,
  // else "empty value; expected WHAT (use [] for none)".
  bool List(Node key, Node value, Path path, const std::string& what, bool null_is_empty,
            const std::function<bool(Node list, Node item, Path item_path)>& each);

  // A scalar without control characters; "" only when allow_empty. `what` completes "expected ...".
  bool Text(Node key, Node value, Path path, const std::string& what, bool allow_empty, std::string* out);
  bool Bool(Node key, Node value, Path path, bool* out);
  // A plain decimal in [min, max]; "infinity" gives 0 when `infinity`.
  bool Integer(Node key, Node value, Path path, uint64_t min, uint64_t max, bool infinity, uint64_t* out);
  template <typename T>
  bool Integer(Node key, Node value, Path path, uint64_t min, uint64_t max, T* out) {
    uint64_t v = 0;
    if (!Integer(key, value, path, min, max, false, &v)) return false;
    *out = static_cast<T>(v);
    return true;
  }
  // Quantities (supervisor/common/quantity.h), never 0: sizes in bytes, percentages, durations in ms.
  // With `infinity`, "infinity" gives 0 (no limit); `max` is the largest value accepted.
  bool Size(Node key, Node value, Path path, bool infinity, uint64_t max, uint64_t* out);
  bool Percent(Node key, Node value, Path path, bool infinity, uint64_t max, uint64_t* out);
  bool Duration(Node key, Node value, Path path, uint64_t* out);
  bool AbsolutePath(Node key, Node value, Path path, std::string* out);
  // An HTML colour "#rrggbb" (branding.primary_color in both files).
  bool Colour(Node key, Node value, Path path, std::string* out);
  // A list of strings ("" allowed); `item` completes "expected ..." for one element.
  bool Strings(Node key, Node value, Path path, const std::string& item, std::vector<std::string>* out);
  // "host:port"; `example` completes "expected host:port such as ...", `quoted_ipv6` is the hint for an
  // unquoted [v6]:port (which YAML reads as a list).
  bool Address(Node key, Node value, Path path, const std::string& example, const std::string& quoted_ipv6,
               HostPort* out);

  // Where each value read by Text (and so by every getter) was, by path; Note adds one by hand.
  void Note(Path path, const YAML::Mark& mark) { set_[path] = mark; }
  bool IsSet(Path path) const { return set_.count(path) != 0; }
  YAML::Mark MarkOf(Path path) const;
  // low <= high (low < high unless or_equal); 0 means "no limit" and is never compared. The error points
  // at whichever of the two the file set (low first) and marks a built-in value as "the default".
  bool NotAbove(Path low_key, uint64_t low, Path high_key, uint64_t high, bool or_equal,
                std::string (*format)(uint64_t));

  // For messages: a user token with control bytes escaped, cut at 40 bytes on a UTF-8 boundary; what a
  // node is ("a map", "a list", "a single value", "nothing"); 1536M -> "1536M", 0 -> "infinity";
  // 90000 ms -> "90s".
  static std::string Echo(std::string_view s);
  static std::string Kind(Node n);
  static std::string FormatSize(uint64_t bytes);
  static std::string FormatDuration(uint64_t ms);

 private:
  std::string At(const YAML::Mark& mark) const;
  bool NotNegative(Node value, Path path, const std::string& s);
  // What a quantity getter reads: "expected WHAT", its parser, the message for 0, how a bound is shown.
  struct Measure {
    std::string what;
    Result<uint64_t> (*parse)(const std::string&);
    std::string zero;
    std::string (*format)(uint64_t);
  };
  bool Quantity(Node key, Node value, Path path, const Measure& measure, bool infinity, uint64_t max,
                uint64_t* out);

  std::string file_;
  YamlDocument document_;
  YamlLimits limits_;
  std::string error_;
  size_t visited_ = 0;
  std::map<std::string, YAML::Mark> set_;  // key path -> position of its value
};

}  // namespace clawhive
