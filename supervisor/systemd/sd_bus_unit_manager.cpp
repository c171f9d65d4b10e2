#include "supervisor/systemd/sd_bus_unit_manager.h"

#include <cstring>
#include <limits>
#include <vector>

namespace clawhive {
namespace {

constexpr const char* kDest = "org.freedesktop.systemd1";
constexpr const char* kPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";
constexpr const char* kUnitPrefix = "/org/freedesktop/systemd1/unit";
constexpr uint64_t kInfinity = std::numeric_limits<uint64_t>::max();

Error BusFailure(const std::string& what, int r, const sd_bus_error* e) {
  std::string msg = what + ": " + (e && e->message ? e->message : strerror(-r));
  if (e && e->name && strcmp(e->name, "org.freedesktop.systemd1.NoSuchUnit") == 0)
    return Error::NotFound(msg);
  return Error::Unavailable(msg);
}

std::string UnitPath(const std::string& unit) {
  char* path = nullptr;
  if (sd_bus_path_encode(kUnitPrefix, unit.c_str(), &path) < 0) return {};
  std::string out(path);
  free(path);
  return out;
}

// The D-Bus interface that carries a unit type's cgroup and exec properties.
const char* TypeInterface(const std::string& unit) {
  if (unit.ends_with(".slice")) return "org.freedesktop.systemd1.Slice";
  if (unit.ends_with(".scope")) return "org.freedesktop.systemd1.Scope";
  if (unit.ends_with(".socket")) return "org.freedesktop.systemd1.Socket";
  return "org.freedesktop.systemd1.Service";
}

std::optional<uint64_t> Known(uint64_t v) {
  if (v == kInfinity) return std::nullopt;
  return v;
}

// Reads one a{sv} dictionary, handing each entry to `on` positioned at the variant; `on` returns false
// when it did not consume the variant, which is then skipped.
template <typename F>
int ReadDict(sd_bus_message* m, F on) {
  int r = sd_bus_message_enter_container(m, 'a', "{sv}");
  if (r < 0) return r;
  while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
    const char* name = nullptr;
    if ((r = sd_bus_message_read(m, "s", &name)) < 0) return r;
    r = on(std::string_view(name));
    if (r < 0) return r;
    if (r == 0 && (r = sd_bus_message_skip(m, "v")) < 0) return r;
    if ((r = sd_bus_message_exit_container(m)) < 0) return r;
  }
  if (r < 0) return r;
  return sd_bus_message_exit_container(m);
}

template <typename T>
int ReadVariant(sd_bus_message* m, const char* type, T* out) {
  int r = sd_bus_message_enter_container(m, 'v', type);
  if (r < 0) return r;
  if ((r = sd_bus_message_read_basic(m, type[0], out)) < 0) return r;
  if ((r = sd_bus_message_exit_container(m)) < 0) return r;
  return 1;
}

int ReadStringVariant(sd_bus_message* m, std::string* out) {
  const char* s = nullptr;
  int r = ReadVariant(m, "s", &s);
  if (r > 0 && s) *out = s;
  return r;
}

// Fills the fields of `ev` from one PropertiesChanged or GetAll dictionary entry.
int ReadEventProperty(sd_bus_message* m, std::string_view name, UnitEvent* ev) {
  std::string s;
  int r;
  if (name == "ActiveState") { r = ReadStringVariant(m, &s); ev->active_state = s; return r; }
  if (name == "SubState") { r = ReadStringVariant(m, &s); ev->sub_state = s; return r; }
  if (name == "Result") { r = ReadStringVariant(m, &s); ev->result = s; return r; }
  if (name == "MainPID") {
    uint32_t pid = 0;
    r = ReadVariant(m, "u", &pid);
    ev->main_pid = pid;
    return r;
  }
  if (name == "ExecMainCode") {
    int32_t code = 0;
    r = ReadVariant(m, "i", &code);
    ev->exit_kind = static_cast<ExitKind>(code);
    return r;
  }
  if (name == "ExecMainStatus") {
    int32_t status = 0;
    r = ReadVariant(m, "i", &status);
    ev->exit_status = status;
    return r;
  }
  return 0;
}

}  // namespace

Result<std::unique_ptr<SdBusUnitManager>> SdBusUnitManager::Connect(sd_event* event) {
  sd_bus* raw = nullptr;
  int r = sd_bus_new(&raw);
  if (r < 0) return Error::Internal(std::string("sd_bus_new: ") + strerror(-r));
  BusPtr bus(raw);
  // The private socket speaks to PID 1 directly (as systemctl does); it is not a message bus, so no
  // Hello and no match rules are sent anywhere: sd-bus filters signals locally.
  sd_bus_set_address(bus.get(), "unix:path=/run/systemd/private");
  r = sd_bus_start(bus.get());
  if (r < 0) {
    raw = nullptr;
    r = sd_bus_open_system(&raw);
    if (r < 0) return Error::Unavailable(std::string("cannot connect to systemd: ") + strerror(-r));
    bus.reset(raw);
  }
  r = sd_bus_attach_event(bus.get(), event, SD_EVENT_PRIORITY_NORMAL);
  if (r < 0) return Error::Internal(std::string("sd_bus_attach_event: ") + strerror(-r));
  return std::unique_ptr<SdBusUnitManager>(new SdBusUnitManager(std::move(bus)));
}

SdBusUnitManager::~SdBusUnitManager() {
  match_.reset();
  if (bus_) sd_bus_detach_event(bus_.get());
}

Status SdBusUnitManager::SetSliceLimits(const std::string& slice, const SliceLimits& l) {
  sd_bus_message* raw = nullptr;
  int r = sd_bus_message_new_method_call(bus_.get(), &raw, kDest, kPath, kManager, "SetUnitProperties");
  if (r < 0) return BusFailure("SetUnitProperties " + slice, r, nullptr);
  MessagePtr m(raw);
  auto inf = [](uint64_t v) { return v == 0 ? kInfinity : v; };
  // runtime=false: systemd persists each property as a drop-in in /etc/systemd/system.control/.
  r = sd_bus_message_append(m.get(), "sb", slice.c_str(), 0);
  if (r >= 0) r = sd_bus_message_open_container(m.get(), 'a', "(sv)");
  auto add_b = [&](const char* name, int v) {
    if (r >= 0) r = sd_bus_message_append(m.get(), "(sv)", name, "b", v);
  };
  auto add_t = [&](const char* name, uint64_t v) {
    if (r >= 0) r = sd_bus_message_append(m.get(), "(sv)", name, "t", v);
  };
  add_b("MemoryAccounting", 1);
  add_b("CPUAccounting", 1);
  add_b("TasksAccounting", 1);
  add_t("MemoryHigh", inf(l.memory_high));
  add_t("MemoryMax", inf(l.memory_max));
  if (l.cpu_weight != 0) add_t("CPUWeight", l.cpu_weight);
  // CPUQuota=150% is 1.5 s of CPU per second.
  add_t("CPUQuotaPerSecUSec", l.cpu_quota_percent == 0 ? kInfinity : l.cpu_quota_percent * 10000);
  add_t("TasksMax", inf(l.tasks_max));
  if (r >= 0) r = sd_bus_message_close_container(m.get());
  if (r < 0) return BusFailure("SetUnitProperties " + slice, r, nullptr);
  BusError err;
  r = sd_bus_call(bus_.get(), m.get(), 0, err.get(), nullptr);
  if (r < 0) return BusFailure("SetUnitProperties " + slice, r, err.get());
  return Status::Ok();
}

Status SdBusUnitManager::SetCpuQuotaNow(const std::string& slice, uint64_t cpu_quota_percent) {
  // runtime=true: the drop-in goes to /run/systemd/system.control/ and the persistent limits stay.
  BusError err;
  uint64_t per_sec_usec = cpu_quota_percent == 0 ? kInfinity : cpu_quota_percent * 10000;
  int r = sd_bus_call_method(bus_.get(), kDest, kPath, kManager, "SetUnitProperties", err.get(), nullptr,
                             "sba(sv)", slice.c_str(), 1, 1, "CPUQuotaPerSecUSec", "t", per_sec_usec);
  if (r < 0) return BusFailure("SetUnitProperties (runtime) " + slice, r, err.get());
  return Status::Ok();
}

Status SdBusUnitManager::UnitFilesCall(const char* method, const std::string& unit, int flags) {
  sd_bus_message* raw = nullptr;
  int r = sd_bus_message_new_method_call(bus_.get(), &raw, kDest, kPath, kManager, method);
  if (r < 0) return BusFailure(std::string(method) + " " + unit, r, nullptr);
  MessagePtr m(raw);
  const char* units[] = {unit.c_str(), nullptr};
  r = sd_bus_message_append_strv(m.get(), const_cast<char**>(units));
  if (r >= 0 && flags >= 0) r = sd_bus_message_append(m.get(), "b", 0);             // runtime
  if (r >= 0 && flags >= 1) r = sd_bus_message_append(m.get(), "b", 1);             // force
  if (r < 0) return BusFailure(std::string(method) + " " + unit, r, nullptr);
  BusError err;
  r = sd_bus_call(bus_.get(), m.get(), 0, err.get(), nullptr);
  if (r < 0) return BusFailure(std::string(method) + " " + unit, r, err.get());
  return Status::Ok();
}

Status SdBusUnitManager::Enable(const std::string& unit) { return UnitFilesCall("EnableUnitFiles", unit, 1); }
Status SdBusUnitManager::Disable(const std::string& unit) { return UnitFilesCall("DisableUnitFiles", unit, 0); }
Status SdBusUnitManager::Revert(const std::string& unit) { return UnitFilesCall("RevertUnitFiles", unit, -1); }

Status SdBusUnitManager::JobCall(const char* method, const std::string& unit) {
  BusError err;
  int r = sd_bus_call_method(bus_.get(), kDest, kPath, kManager, method, err.get(), nullptr, "ss",
                             unit.c_str(), "replace");
  if (r < 0) return BusFailure(std::string(method) + " " + unit, r, err.get());
  return Status::Ok();
}

Status SdBusUnitManager::Reload() {
  BusError err;
  int r = sd_bus_call_method(bus_.get(), kDest, kPath, kManager, "Reload", err.get(), nullptr, "");
  if (r < 0) return BusFailure("Reload", r, err.get());
  return Status::Ok();
}

Status SdBusUnitManager::Start(const std::string& unit) { return JobCall("StartUnit", unit); }
Status SdBusUnitManager::Stop(const std::string& unit) { return JobCall("StopUnit", unit); }
Status SdBusUnitManager::Restart(const std::string& unit) { return JobCall("RestartUnit", unit); }

Status SdBusUnitManager::Kill(const std::string& unit, int signal) {
  BusError err;
  int r = sd_bus_call_method(bus_.get(), kDest, kPath, kManager, "KillUnit", err.get(), nullptr, "ssi",
                             unit.c_str(), "all", signal);
  if (r < 0) return BusFailure("KillUnit " + unit, r, err.get());
  return Status::Ok();
}

Status SdBusUnitManager::ResetFailed(const std::string& unit) {
  BusError err;
  int r = sd_bus_call_method(bus_.get(), kDest, kPath, kManager, "ResetFailedUnit", err.get(), nullptr,
                             "s", unit.c_str());
  if (r < 0) return BusFailure("ResetFailedUnit " + unit, r, err.get());
  return Status::Ok();
}

Result<UnitState> SdBusUnitManager::GetState(const std::string& unit) {
  std::string path = UnitPath(unit);
  UnitState st;
  for (const char* iface : {"org.freedesktop.systemd1.Unit", TypeInterface(unit)}) {
    BusError err;
    sd_bus_message* raw = nullptr;
    int r = sd_bus_call_method(bus_.get(), kDest, path.c_str(), "org.freedesktop.DBus.Properties",
                               "GetAll", err.get(), &raw, "s", iface);
    if (r < 0) return BusFailure("GetAll " + unit, r, err.get());
    MessagePtr reply(raw);
    UnitEvent ev;
    r = ReadDict(reply.get(), [&](std::string_view name) -> int {
      int rr = ReadEventProperty(reply.get(), name, &ev);
      if (rr != 0) return rr;
      uint64_t v = 0;
      if (name == "LoadState") return ReadStringVariant(reply.get(), &st.load_state);
      if (name == "ControlGroup") return ReadStringVariant(reply.get(), &st.control_group);
      if (name == "MemoryCurrent") { rr = ReadVariant(reply.get(), "t", &v); st.memory_current = Known(v); return rr; }
      if (name == "CPUUsageNSec") { rr = ReadVariant(reply.get(), "t", &v); st.cpu_usage_nsec = Known(v); return rr; }
      if (name == "TasksCurrent") { rr = ReadVariant(reply.get(), "t", &v); st.tasks_current = Known(v); return rr; }
      if (name == "MemoryMax") { rr = ReadVariant(reply.get(), "t", &v); st.memory_max = Known(v); return rr; }
      return 0;
    });
    if (r < 0) return BusFailure("reading properties of " + unit, r, nullptr);
    if (ev.active_state) st.active_state = *ev.active_state;
    if (ev.sub_state) st.sub_state = *ev.sub_state;
    if (ev.result) st.result = *ev.result;
    if (ev.main_pid) st.main_pid = *ev.main_pid;
    if (ev.exit_kind) st.exit_kind = *ev.exit_kind;
    if (ev.exit_status) st.exit_status = *ev.exit_status;
  }
  return st;
}

Result<std::vector<std::string>> SdBusUnitManager::ListUnits(const std::string& glob) {
  sd_bus_message* raw = nullptr;
  int r = sd_bus_message_new_method_call(bus_.get(), &raw, kDest, kPath, kManager, "ListUnitsByPatterns");
  if (r < 0) return BusFailure("ListUnitsByPatterns", r, nullptr);
  MessagePtr m(raw);
  const char* states[] = {nullptr};
  const char* patterns[] = {glob.c_str(), nullptr};
  r = sd_bus_message_append_strv(m.get(), const_cast<char**>(states));
  if (r >= 0) r = sd_bus_message_append_strv(m.get(), const_cast<char**>(patterns));
  if (r < 0) return BusFailure("ListUnitsByPatterns", r, nullptr);
  BusError err;
  raw = nullptr;
  r = sd_bus_call(bus_.get(), m.get(), 0, err.get(), &raw);
  if (r < 0) return BusFailure("ListUnitsByPatterns", r, err.get());
  MessagePtr reply(raw);
  std::vector<std::string> names;
  r = sd_bus_message_enter_container(reply.get(), 'a', "(ssssssouso)");
  if (r < 0) return BusFailure("ListUnitsByPatterns reply", r, nullptr);
  const char* name = nullptr;
  while ((r = sd_bus_message_read(reply.get(), "(ssssssouso)", &name, nullptr, nullptr, nullptr,
                                  nullptr, nullptr, nullptr, nullptr, nullptr, nullptr)) > 0)
    names.emplace_back(name);
  if (r < 0) return BusFailure("ListUnitsByPatterns reply", r, nullptr);
  return names;
}

Status SdBusUnitManager::Watch(const std::string& prefix, std::function<void(const UnitEvent&)> callback) {
  prefix_ = prefix;
  callback_ = std::move(callback);
  if (match_) return Status::Ok();
  sd_bus_slot* slot = nullptr;
  // path_namespace keeps systemd's other objects (jobs, the manager) out of our way.
  int r = sd_bus_add_match(bus_.get(), &slot,
                           "type='signal',interface='org.freedesktop.DBus.Properties',"
                           "member='PropertiesChanged',path_namespace='/org/freedesktop/systemd1/unit'",
                           &SdBusUnitManager::OnPropertiesChanged, this);
  if (r < 0) return BusFailure("AddMatch PropertiesChanged", r, nullptr);
  match_.reset(slot);
  // Without a subscriber systemd does not emit unit change signals at all.
  BusError err;
  r = sd_bus_call_method(bus_.get(), kDest, kPath, kManager, "Subscribe", err.get(), nullptr, "");
  if (r < 0) return BusFailure("Subscribe", r, err.get());
  return Status::Ok();
}

int SdBusUnitManager::OnPropertiesChanged(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* self = static_cast<SdBusUnitManager*>(userdata);
  char* name = nullptr;
  if (sd_bus_path_decode(sd_bus_message_get_path(m), kUnitPrefix, &name) <= 0) return 0;
  UnitEvent ev;
  ev.unit = name;
  free(name);
  if (!ev.unit.starts_with(self->prefix_) || !self->callback_) return 0;
  const char* iface = nullptr;
  if (sd_bus_message_read(m, "s", &iface) < 0) return 0;
  if (ReadDict(m, [&](std::string_view prop) { return ReadEventProperty(m, prop, &ev); }) < 0) return 0;
  self->callback_(ev);
  return 0;
}

}  // namespace clawhive
