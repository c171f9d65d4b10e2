// Owning handles for the libsystemd C objects: each wrapped once in a unique_ptr with a stateless
// deleter, as sdbusplus does, so a handle and anything it subscribes die with their owner.
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include <memory>

namespace clawhive {

struct SdEventDeleter { void operator()(sd_event* p) const { sd_event_unref(p); } };
struct SdEventSourceDeleter {
  void operator()(sd_event_source* p) const { sd_event_source_disable_unref(p); }
};
struct SdBusDeleter { void operator()(sd_bus* p) const { sd_bus_flush_close_unref(p); } };
struct SdBusMessageDeleter { void operator()(sd_bus_message* p) const { sd_bus_message_unref(p); } };
struct SdBusSlotDeleter { void operator()(sd_bus_slot* p) const { sd_bus_slot_unref(p); } };

using EventPtr = std::unique_ptr<sd_event, SdEventDeleter>;
using EventSourcePtr = std::unique_ptr<sd_event_source, SdEventSourceDeleter>;
using BusPtr = std::unique_ptr<sd_bus, SdBusDeleter>;
using MessagePtr = std::unique_ptr<sd_bus_message, SdBusMessageDeleter>;
using SlotPtr = std::unique_ptr<sd_bus_slot, SdBusSlotDeleter>;

// sd_bus_error with automatic cleanup.
struct BusError {
  sd_bus_error e = SD_BUS_ERROR_NULL;
  BusError() = default;
  BusError(const BusError&) = delete;
  BusError& operator=(const BusError&) = delete;
  ~BusError() { sd_bus_error_free(&e); }
  sd_bus_error* get() { return &e; }
};

}  // namespace clawhive
