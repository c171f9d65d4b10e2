// PublishNewFile: gives a finished temporary file its final name without ever replacing a file there.
// For files that must be created once and never overwritten (the API token, KEK files). No state;
// callable from any thread.
#pragma once

#include <string>
#include <string_view>

#include "supervisor/common/result.h"

namespace clawhive {

// Links the complete, fsynced temporary file `temp` to `path` in the same directory (link(2) refuses an
// existing `path`, so a file another process published first is never replaced) and removes `temp`
// whether or not that worked. kAlreadyExists "<what> <path> already exists" when `path` exists,
// kUnavailable for any other failure. The caller fsyncs the directory to make the new name durable.
Status PublishNewFile(const std::string& temp, const std::string& path, std::string_view what);

}  // namespace clawhive
