// Prompts: the answer file asked for on a terminal when none is given. Each answer is checked as soon as
// it is typed, by the same parser as the file (ParseAnswers), and asked again when wrong; the password is
// read without echo, typed twice, held to the console's password policy and stored only as its scrypt
// hash. The result is the answer file's text, which the installer keeps like a given one.
#pragma once

#include <istream>
#include <ostream>
#include <string>

#include "supervisor/common/result.h"

namespace clawhive::installer {

struct PromptIo {
  std::istream* in = nullptr;
  std::ostream* out = nullptr;
  // Called around reading a password (true = hide input); a terminal turns echo off. May be empty.
  void (*hide_input)(bool hide) = nullptr;
};

// The answer file's text (YAML). kCancelled-like kUnavailable when input ends before every question is
// answered.
Result<std::string> PromptAnswers(const PromptIo& io);

// Turns terminal echo on stdin off (true) or back on (false); for PromptIo::hide_input.
void HideTerminalInput(bool hide);

}  // namespace clawhive::installer
