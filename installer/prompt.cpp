#include "installer/prompt.h"

#include <termios.h>
#include <unistd.h>

#include "installer/answers.h"
#include "supervisor/auth/password.h"

namespace clawhive::installer {
namespace {

constexpr int kMaxTries = 5;

// `keep_spaces`: a password's trailing spaces are part of it (only the line ending goes).
bool ReadLine(const PromptIo& io, const std::string& question, const std::string& fallback, std::string* value,
              bool keep_spaces = false) {
  *io.out << question << (fallback.empty() ? "" : " [" + fallback + "]") << ": " << std::flush;
  std::string line;
  if (!std::getline(*io.in, line)) return false;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  while (!keep_spaces && !line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  *value = line.empty() ? fallback : line;
  return true;
}

// A typed value goes into YAML double quotes; these characters would need escaping, and no valid answer
// has them.
bool Quotable(const std::string& v) { return v.find_first_of("\"\\\n\r\t") == std::string::npos; }

std::string Quote(const std::string& v) { return "\"" + v + "\""; }

// Checks one answer by parsing a minimal file around it; returns the parser's message without the
// "file:line:col: " prefix.
std::string Check(const std::string& yaml) {
  Result<Answers> a = ParseAnswers(yaml, "answer");
  if (a) return "";
  std::string m = a.error().message;
  size_t pos = m.find(": ");
  return pos == std::string::npos ? m : m.substr(pos + 2);
}

const char* kOperatorStub = "operator:\n  name: admin\n  generate_password: true\n";

}  // namespace

void HideTerminalInput(bool hide) {
  termios t{};
  if (tcgetattr(STDIN_FILENO, &t) != 0) return;
  if (hide) t.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  else t.c_lflag |= ECHO;
  tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

Result<std::string> PromptAnswers(const PromptIo& io) {
  auto ended = [] { return Error::Unavailable("input ended before every question was answered"); };
  *io.out << "No answer file given: answer a few questions (Enter takes the [default]).\n";

  std::string listen, name, product, hash;
  for (int i = 0;; ++i) {
    if (i == kMaxTries) return Error::Invalid("too many invalid answers");
    if (!ReadLine(io, "Console address (host:port)", "0.0.0.0:8470", &listen)) return ended();
    std::string e = Quotable(listen) ? Check("listen: " + Quote(listen) + "\n" + kOperatorStub) : "invalid characters";
    if (e.empty()) break;
    *io.out << "  " << e << "\n";
  }
  for (int i = 0;; ++i) {
    if (i == kMaxTries) return Error::Invalid("too many invalid answers");
    if (!ReadLine(io, "First operator's user name", "admin", &name)) return ended();
    std::string e = Quotable(name) ? Check("operator:\n  name: " + Quote(name) + "\n  generate_password: true\n")
                                   : "invalid characters";
    if (e.empty()) break;
    *io.out << "  " << e << "\n";
  }
  for (int i = 0;; ++i) {
    if (i == kMaxTries) return Error::Invalid("too many invalid answers");
    std::string first, second;
    if (io.hide_input) io.hide_input(true);
    bool ok = ReadLine(io, "Password (empty: generate one)", "", &first, true);
    if (ok && !first.empty()) {
      *io.out << "\n";
      ok = ReadLine(io, "Password again", "", &second, true);
    }
    if (io.hide_input) io.hide_input(false);
    *io.out << "\n";
    if (!ok) return ended();
    if (first.empty()) break;  // generated at install, written to a root-only file
    if (first != second) {
      *io.out << "  the two passwords differ\n";
      continue;
    }
    if (Status s = auth::CheckPasswordPolicy(first); !s) {
      *io.out << "  " << s.error().message << "\n";
      continue;
    }
    Result<std::string> h = auth::HashPassword(first);
    if (!h) return h.error();
    hash = *h;
    break;
  }
  for (int i = 0;; ++i) {
    if (i == kMaxTries) return Error::Invalid("too many invalid answers");
    if (!ReadLine(io, "Product name shown in the console", "Clawhive", &product)) return ended();
    std::string e = Quotable(product) ? Check("branding:\n  product_name: " + Quote(product) + "\n" + kOperatorStub)
                                      : "invalid characters";
    if (e.empty()) break;
    *io.out << "  " << e << "\n";
  }

  std::string text = "# Made by clawhive-install's questions.\nlisten: " + Quote(listen) + "\noperator:\n  name: " +
                     Quote(name) + "\n" +
                     (hash.empty() ? "  generate_password: true\n" : "  password_hash: " + Quote(hash) + "\n") +
                     "branding:\n  product_name: " + Quote(product) + "\n";
  if (Result<Answers> a = ParseAnswers(text, "answers"); !a) return a.error();  // a bug if it fails
  return text;
}

}  // namespace clawhive::installer
