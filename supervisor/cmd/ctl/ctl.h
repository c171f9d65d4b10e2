// clawhivectl's pure parts: command line parsing (getopt_long), the API request each command makes,
// and the human-readable rendering of the API's answers. No I/O here (see client.h), so all of it is
// unit-tested directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "supervisor/common/json.h"
#include "supervisor/common/result.h"

namespace clawhive::ctl {

// Exit statuses.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;   // the API refused (its message is shown), or a local file failed
inline constexpr int kExitUsage = 2;    // bad command line
inline constexpr int kExitConnect = 3;  // the API could not be reached

inline constexpr const char* kDefaultApi = "https://127.0.0.1:8470";
inline constexpr const char* kDefaultCertFile = "/var/lib/clawhive/tls/tls.crt";
inline constexpr const char* kDefaultTokenFile = "/var/lib/clawhive/api-token";
inline constexpr const char* kTokenEnv = "CLAWHIVE_TOKEN";
inline constexpr const char* kPlatform = "_platform";  // the platform secret scope (kPlatformScope)
inline constexpr size_t kMaxSecretBytes = 65536;       // the API's limit on a value

enum class Command {
  kHelp,
  kTenantList, kTenantGet, kTenantCreate, kTenantDelete, kTenantStart, kTenantStop, kTenantRestart,
  kTenantIncidents,
  kSecretPut, kSecretGet, kSecretList, kSecretDelete,
  kVaultRotateKek, kVaultRotateDataKey, kVaultRotations,
  kImageList, kFleetList,
};

struct Invocation {
  Command command = Command::kHelp;
  std::vector<std::string> args;  // the command's operands (ids, names), in order

  // Global options.
  std::string api = kDefaultApi;
  std::optional<std::string> token_file;  // --token-file; else $CLAWHIVE_TOKEN; else kDefaultTokenFile
  std::string cert_file = kDefaultCertFile;  // --cert: the https API's certificate, pinned by fingerprint
  bool json = false;                      // --json: print the API's JSON as it came

  // Command options (each refused on commands it does not apply to).
  std::optional<std::string> memory_max;    // tenant create
  std::optional<std::string> display_name;  // tenant create
  bool remove_workspace = false;            // tenant delete
  std::optional<std::string> from_file;     // secret put
  std::optional<std::string> limit;         // tenant incidents, vault rotations
};

// Parses argv with getopt_long (options may come before, between or after the words; "--" ends them).
// Errors are kInvalidArgument with a message for the user (exit kExitUsage). Not thread-safe: getopt
// keeps global state, which this resets on every call.
Result<Invocation> ParseArgs(int argc, char** argv);
std::string Usage();

// One API call. The body of `secret put` is not here: it is built from the value at the last moment
// (SecretPutBody) so that it exists only while it is sent.
struct ApiRequest {
  std::string method;
  std::string path;                 // percent-encoded, with any query
  std::optional<std::string> body;  // JSON
};
ApiRequest BuildRequest(const Invocation& inv);

// Path segment percent-encoding: everything but [A-Za-z0-9_-] is %XX, so no operand can add a path
// segment, a query or a dot-segment.
std::string EncodeSegment(std::string_view s);

// {"value":"<value JSON-escaped>"} into *out, which is reserved up front so that it is never reallocated
// (no stray copy of the value in freed memory); the caller wipes it. kInvalidArgument if the value is not
// UTF-8 text (the JSON writer would otherwise replace bytes silently).
Status SecretPutBody(std::string_view value, std::string* out);

// The value read from stdin or a file: one trailing "\n" (or "\r\n") removed.
std::string_view StripOneNewline(std::string_view value);

// ---- rendering ------------------------------------------------------------------------------------

// Columns padded to their widest cell (counted in characters), two spaces apart, no trailing spaces.
// The header row is printed as given (upper case by convention).
std::string RenderTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);
// "key:  value" lines, keys padded to the widest.
std::string RenderFields(const std::vector<std::pair<std::string, std::string>>& fields);

// What the API sent made safe for a terminal: control characters (C0, DEL, C1) and invalid UTF-8
// become '?', so a hostile display name or incident detail cannot move the cursor or retitle a window.
std::string Sanitize(std::string_view s);
// 1536 -> "1.5K", 536870912 -> "512M", 0 -> "0".
std::string FormatBytes(uint64_t bytes);
// Unix seconds -> "2024-11-22 08:00:00Z" (UTC); 0 -> "-".
std::string FormatTime(int64_t unix_seconds);

// The human-readable output of a successful call: `doc` is the API's answer to BuildRequest(inv).
// Unexpected shapes render as "-" rather than failing: the API may grow fields.
std::string Render(const Invocation& inv, const JsonValue& doc);

// The message of an API error document ({"error":{"code","message"}}), or "" if it is not one.
std::string ErrorMessage(const JsonValue& doc);

}  // namespace clawhive::ctl
