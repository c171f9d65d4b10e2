#include "supervisor/openclaw/fleet.h"

#include <algorithm>
#include <set>

#include "supervisor/common/json.h"

namespace clawhive {

using clawhive::JsonValue;

std::string EncodeFleetUpdate(const FleetUpdate& u) {
  JsonValue steps = JsonValue::Array();
  for (const FleetStep& s : u.steps) {
    JsonValue one = JsonValue::Object();
    one.Set("tenant", JsonValue::String(s.tenant))
        .Set("from", JsonValue::String(s.from))
        .Set("wave", JsonValue::Unsigned(static_cast<uint64_t>(s.wave)))
        .Set("state", JsonValue::String(s.state))
        .Set("detail", JsonValue::String(s.detail));
    steps.Push(std::move(one));
  }
  JsonValue canaries = JsonValue::Array();
  for (const auto& c : u.canaries) canaries.Push(JsonValue::String(c));
  JsonValue v = JsonValue::Object();
  v.Set("id", JsonValue::Signed(u.id))
      .Set("target", JsonValue::String(u.target))
      .Set("state", JsonValue::String(u.state))
      .Set("detail", JsonValue::String(u.detail))
      .Set("canaries", std::move(canaries))
      .Set("wave_size", JsonValue::Unsigned(u.wave_size))
      .Set("current_wave", JsonValue::Unsigned(static_cast<uint64_t>(u.current_wave)))
      .Set("steps", std::move(steps))
      .Set("created_ms", JsonValue::Signed(u.created_ms))
      .Set("finished_ms", JsonValue::Signed(u.finished_ms));
  return v.Serialize();
}

Result<FleetUpdate> DecodeFleetUpdate(const std::string& json) {
  Result<JsonValue> v = ParseJson(json);
  if (!v || !v->is_object()) return Error::Internal("stored fleet update is damaged");
  auto str = [&](const JsonValue& o, const char* k) {
    const JsonValue* x = o.Find(k);
    return x && x->is_string() ? x->string() : std::string();
  };
  auto num = [&](const JsonValue& o, const char* k) -> int64_t {
    const JsonValue* x = o.Find(k);
    if (!x || (x->kind() != JsonValue::Kind::kInteger)) return 0;
    return x->negative() ? -static_cast<int64_t>(x->magnitude()) : static_cast<int64_t>(x->magnitude());
  };
  FleetUpdate u;
  u.id = num(*v, "id");
  u.target = str(*v, "target");
  u.state = str(*v, "state");
  u.detail = str(*v, "detail");
  u.wave_size = static_cast<uint32_t>(num(*v, "wave_size"));
  u.current_wave = static_cast<int>(num(*v, "current_wave"));
  u.created_ms = num(*v, "created_ms");
  u.finished_ms = num(*v, "finished_ms");
  if (const JsonValue* c = v->Find("canaries"); c && c->is_array())
    for (const JsonValue& x : c->items())
      if (x.is_string()) u.canaries.push_back(x.string());
  if (const JsonValue* steps = v->Find("steps"); steps && steps->is_array()) {
    for (const JsonValue& x : steps->items()) {
      if (!x.is_object()) continue;
      u.steps.push_back({str(x, "tenant"), str(x, "from"), static_cast<int>(num(x, "wave")), str(x, "state"),
                         str(x, "detail")});
    }
  }
  return u;
}

Status Fleet::Init() {
  auto docs = store_.FleetUpdateDocs(20);
  if (!docs) return docs.error();
  for (const std::string& doc : *docs) {
    Result<FleetUpdate> u = DecodeFleetUpdate(doc);
    if (!u || u->state != "running") continue;
    u->state = "interrupted";
    u->detail = "the supervisor restarted during the update; tenants already moved stay on " + u->target +
                "; start the update again to go on";
    u->finished_ms = wall_ms_();
    if (auto s = store_.SaveFleetUpdate(u->id, u->target, u->state, EncodeFleetUpdate(*u)); !s) return s.error();
  }
  return Status::Ok();
}

std::string Fleet::Target() {
  Result<std::string> t = store_.FleetTarget();
  if (t && !t->empty()) return *t;
  return config_.default_runtime;
}

Result<FleetUpdate> Fleet::Start(const FleetRequest& r) {
  if (active_) return Error::Conflict("fleet update " + std::to_string(active_->id) + " to " + active_->target +
                                      " is still running");
  if (r.wave_size < 1 || r.wave_size > 1000) return Error::Invalid("wave_size must be between 1 and 1000");
  if (Result<RuntimeImage> image = catalog_.Find(r.target); !image) return image.error();

  std::vector<Tenant> tenants = supervisor_.Tenants();
  std::sort(tenants.begin(), tenants.end(), [](const Tenant& a, const Tenant& b) { return a.id < b.id; });
  std::set<std::string> canaries(r.canaries.begin(), r.canaries.end());
  for (const std::string& c : canaries) {
    auto it = std::find_if(tenants.begin(), tenants.end(), [&](const Tenant& t) { return t.id == c; });
    if (it == tenants.end()) return Error::NotFound("canary '" + Printable(c) + "' is not a tenant");
    if (it->runtime.empty()) return Error::Invalid("canary '" + c + "' runs no OpenClaw runtime image");
    if (it->runtime_pinned) return Error::Invalid("canary '" + c + "' is pinned to " + it->runtime);
  }

  FleetUpdate u;
  u.target = r.target;
  u.canaries.assign(canaries.begin(), canaries.end());
  u.wave_size = r.wave_size;
  u.created_ms = wall_ms_();
  size_t in_waves = 0;
  for (const Tenant& t : tenants) {
    if (t.runtime.empty() || t.runtime == r.target) continue;
    FleetStep step{t.id, t.runtime, 0, "pending", ""};
    if (t.runtime_pinned) {
      step.state = "skipped";
      step.detail = "pinned to " + t.runtime;
    } else if (canaries.count(t.id)) {
      step.wave = 0;
    } else {
      step.wave = 1 + static_cast<int>(in_waves++ / r.wave_size);
    }
    u.steps.push_back(std::move(step));
  }
  // Canaries first in the list too, so the document reads in the order things happen.
  std::stable_sort(u.steps.begin(), u.steps.end(), [](const FleetStep& a, const FleetStep& b) { return a.wave < b.wave; });
  Result<int64_t> id = store_.SaveFleetUpdate(0, u.target, u.state, EncodeFleetUpdate(u));
  if (!id) return id.error();
  u.id = *id;
  active_ = std::move(u);
  failure_.clear();
  active_->current_wave = canaries.empty() ? 1 : 0;
  RunWave();
  return active_ ? *active_ : *Get(*id);
}

void Fleet::RunWave() {
  for (;;) {
    bool any = false, pending = false;
    for (FleetStep& s : active_->steps) {
      if (s.state != "pending") continue;
      pending = true;
      if (s.wave != active_->current_wave) continue;
      any = true;
      if (Status st = supervisor_.SetRuntime(s.tenant, active_->target); !st) {
        s.state = "rolled-back";
        s.detail = st.error().message;
        if (failure_.empty()) failure_ = s.tenant + ": " + st.error().message;
        continue;
      }
      if (!supervisor_.IsRunning(s.tenant)) {
        s.state = "updated";
        s.detail = "not running; takes the new image at its next start";
        continue;
      }
      s.state = "updating";
      std::string tenant = s.tenant;
      Status trial = supervisor_.BeginTrial(tenant, [this, tenant](bool ok, const std::string& why) {
        OnTenantDone(tenant, ok, why);
      });
      if (!trial) {
        (void)supervisor_.SetRuntime(tenant, s.from);
        s.state = "rolled-back";
        s.detail = trial.error().message;
        if (failure_.empty()) failure_ = tenant + ": " + trial.error().message;
      }
    }
    Save();
    bool in_flight = std::any_of(active_->steps.begin(), active_->steps.end(),
                                 [](const FleetStep& s) { return s.state == "updating"; });
    if (in_flight) return;  // OnTenantDone continues
    if (!failure_.empty()) {
      Finish("stopped", "wave " + std::to_string(active_->current_wave) + " failed (" + failure_ +
                            "); that tenant is back on its previous image and the tenants not reached yet stay where they are");
      return;
    }
    if (!pending) {
      Finish("done", "every tenant not pinned is on " + active_->target);
      return;
    }
    ++active_->current_wave;
    (void)any;
  }
}

void Fleet::OnTenantDone(const std::string& tenant, bool ok, const std::string& why) {
  if (!active_) return;
  auto it = std::find_if(active_->steps.begin(), active_->steps.end(),
                         [&](const FleetStep& s) { return s.tenant == tenant && s.state == "updating"; });
  if (it == active_->steps.end()) return;
  if (ok) {
    it->state = "updated";
  } else {
    // The trial left the agent stopped: put the previous image back and start it.
    Status back = supervisor_.SetRuntime(tenant, it->from);
    supervisor_.StartNow(tenant);
    it->state = "rolled-back";
    it->detail = why + (back ? "" : "; switching back failed: " + back.error().message);
    if (failure_.empty()) failure_ = tenant + ": " + why;
  }
  Save();
  bool in_flight = std::any_of(active_->steps.begin(), active_->steps.end(),
                               [](const FleetStep& s) { return s.state == "updating"; });
  if (in_flight) return;
  if (!failure_.empty()) {
    Finish("stopped", "wave " + std::to_string(active_->current_wave) + " failed (" + failure_ +
                          "); that tenant is back on its previous image and the tenants not reached yet stay where they are");
    return;
  }
  ++active_->current_wave;
  RunWave();
}

void Fleet::Finish(const std::string& state, const std::string& detail) {
  active_->state = state;
  active_->detail = detail;
  active_->finished_ms = wall_ms_();
  Save();
  active_.reset();
}

void Fleet::Save() {
  if (!active_) return;
  // A failed save loses only the record of the steps; the tenants' own rows are already stored.
  (void)store_.SaveFleetUpdate(active_->id, active_->target, active_->state, EncodeFleetUpdate(*active_));
}

Result<std::vector<FleetUpdate>> Fleet::List(size_t limit) {
  auto docs = store_.FleetUpdateDocs(limit == 0 ? 20 : std::min<size_t>(limit, 200));
  if (!docs) return docs.error();
  std::vector<FleetUpdate> out;
  for (const std::string& d : *docs) {
    Result<FleetUpdate> u = DecodeFleetUpdate(d);
    if (u) out.push_back(active_ && active_->id == u->id ? *active_ : *u);
  }
  return out;
}

Result<FleetUpdate> Fleet::Get(int64_t id) {
  if (active_ && active_->id == id) return *active_;
  auto all = List(200);
  if (!all) return all.error();
  for (const FleetUpdate& u : *all)
    if (u.id == id) return u;
  return Error::NotFound("no fleet update " + std::to_string(id));
}

}  // namespace clawhive
