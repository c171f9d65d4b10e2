// install: from a host with the package's files in place to a running appliance, idempotently.
//
// Steps (each reported on `out` as changed or ok): preflight; package files present; the `clawhive`
// group; directories and their modes; the answer file kept at /etc/clawhive/answers.yaml; the
// supervisor's config rendered from the answers (the previous one kept as .bak when it differs); the
// reserved tenant port range (sysctl); then, on a running host only: TLS certificate, API token, KEK and
// vault, database, first operator (hash from the answers, or a generated password in a root-only file);
// the units enabled and started (a start returns once the supervisor reports READY=1); health over HTTPS;
// the answer file's tenants created and waited for; the marker file. A second run with the same answers
// makes no change and says "0 changes".
//
// Offline (--root DIR, or a host where systemd is not running, e.g. a chroot during an image build): the
// files up to the sysctl step, and `clawhive-firstboot.service` enabled; nothing started. Everything that
// must be unique per machine (keys, certificate, operator, tenants) is made by that unit on first boot,
// which runs this same install online.
#pragma once

#include <ostream>
#include <string>

#include "installer/answers.h"
#include "installer/appliance_api.h"
#include "installer/system.h"

namespace clawhive::installer {

struct InstallOptions {
  std::string root;          // "" = this host; else an image root (offline)
  Answers answers;
  std::string answers_text;  // the file as given, kept at /etc/clawhive/answers.yaml ("" = none: defaults/prompts)
  bool force = false;        // install despite preflight failures
  bool apply_sysctl = true;  // false: write the sysctl file but do not load it (containers, tests)
  int tenant_wait_s = 120;   // how long to wait for each initial tenant to become healthy
  // Tests: with `root`, still run the online steps (units started, keys made) with every path under
  // `root`, for a fake System that keeps its files there. A real --root is an image build: offline.
  bool online_in_root = false;
  // Also write a generated first password to this file (the machine's console, /dev/console, for an
  // ISO install where nobody can log in to read the root-only file); never to `out`, which may be the
  // journal. "" = only the root-only file.
  std::string show_password_on;
};

// Exit status: 0 installed (or already installed), 1 a step failed (the message says which; steps done so
// far stay done and a rerun continues), 2 preflight failed.
int Install(System& sys, const ApiFactory& api, const InstallOptions& options, std::ostream& out,
            std::ostream& err);

}  // namespace clawhive::installer
