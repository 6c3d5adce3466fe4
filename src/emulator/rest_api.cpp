#include "ranbridge/emulator/rest_api.hpp"

#include <boost/json.hpp>
#include <boost/url/parse_query.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace ranbridge::emulator {
namespace json = boost::json;

namespace {

// Collects pydantic-style validation errors: {loc, msg, type}.
class Errors {
 public:
  void add(json::array loc, std::string_view msg, std::string_view type) {
    list_.push_back(json::object{{"loc", std::move(loc)}, {"msg", msg}, {"type", type}});
  }
  bool empty() const { return list_.empty(); }
  RestReply reply() const {
    json::object detail{{"error_code", "ValidationFailed"},
                        {"error_description", "Request validation failed"},
                        {"error_detail", list_}};
    return {kStatusValidation, json::serialize(json::object{{"detail", detail}})};
  }

 private:
  json::array list_;
};

json::array loc(std::initializer_list<json::value_ref> parts) {
  return json::array(parts);
}

// Hex field of width 16 (EUI) or 8 (DevAddr): any case, optional 0x, padding optional.
template <class T>
std::optional<T> hex_value(const json::value& v, const json::array& where, Errors& errs) {
  constexpr unsigned digits = sizeof(decltype(T::value)) * 2;
  if (!v.is_string()) {
    errs.add(where, "str type expected", "type_error.str");
    return std::nullopt;
  }
  auto parsed = T::from_hex(std::string_view(v.get_string()));
  if (!parsed) {
    errs.add(where,
             digits == 16 ? "value is not a valid 64-bit hex string"
                          : "value is not a valid 32-bit hex string",
             "value_error.hex");
  }
  return parsed;
}

template <class T>
std::optional<T> hex_field(const json::object& o, std::string_view key, bool required,
                           Errors& errs) {
  auto it = o.find(key);
  if (it == o.end()) {
    if (required) errs.add(loc({"body", key}), "field required", "value_error.missing");
    return std::nullopt;
  }
  if (it->value().is_null()) {
    // RAN: "null values are not allowed" (absent means unchanged).
    errs.add(loc({"body", key}), "none is not an allowed value", "type_error.none.not_allowed");
    return std::nullopt;
  }
  return hex_value<T>(it->value(), loc({"body", key}), errs);
}

template <class T>
std::optional<std::vector<T>> hex_list(const json::object& o, std::string_view key, Errors& errs) {
  auto it = o.find(key);
  if (it == o.end()) {
    errs.add(loc({"body", key}), "field required", "value_error.missing");
    return std::nullopt;
  }
  if (!it->value().is_array()) {
    errs.add(loc({"body", key}), "value is not a valid list", "type_error.list");
    return std::nullopt;
  }
  std::vector<T> out;
  bool ok = true;
  const auto& arr = it->value().get_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    auto v = hex_value<T>(arr[i], loc({"body", key, static_cast<std::int64_t>(i)}), errs);
    if (v)
      out.push_back(*v);
    else
      ok = false;
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::string> string_field(const json::object& o, std::string_view key, bool required,
                                        std::size_t max_len, Errors& errs) {
  auto it = o.find(key);
  if (it == o.end()) {
    if (required) errs.add(loc({"body", key}), "field required", "value_error.missing");
    return std::nullopt;
  }
  if (!it->value().is_string()) {
    errs.add(loc({"body", key}), "str type expected", "type_error.str");
    return std::nullopt;
  }
  std::string s(it->value().get_string());
  if (s.size() > max_len) {
    errs.add(loc({"body", key}),
             "ensure this value has at most " + std::to_string(max_len) + " characters",
             "value_error.any_str.max_length");
    return std::nullopt;
  }
  return s;
}

// The request body must be one JSON object.
std::optional<json::object> parse_object(std::string_view body, Errors& errs) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) {
    errs.add(loc({"body"}), "invalid JSON: " + ec.message(), "value_error.jsondecode");
    return std::nullopt;
  }
  if (!v.is_object()) {
    errs.add(loc({"body"}), "value is not a valid dict", "type_error.dict");
    return std::nullopt;
  }
  return std::move(v.get_object());
}

json::value opt_hex(const auto& v) {
  if (!v) return nullptr;
  return json::value(v->to_hex());
}

json::object device_json(const Device& d) {
  json::object o;
  o["DevEUI"] = d.dev_eui.to_hex();
  o["JoinEUI"] = opt_hex(d.join_eui);
  o["ActiveDevAddr"] = opt_hex(d.active_dev_addr);
  o["TargetDevAddr"] = opt_hex(d.target_dev_addr);
  o["Details"] = d.details ? json::value(*d.details) : json::value(nullptr);
  o["CreatedAt"] = d.created_at;
  return o;
}

json::object group_json(const MulticastGroup& g) {
  json::array devs;
  for (const auto& d : g.devices) devs.push_back(json::value(d.to_hex()));
  json::object o;
  o["addr"] = g.addr.to_hex();
  o["name"] = g.name;
  o["created_at"] = g.created_at;
  o["devices"] = std::move(devs);
  return o;
}

RestReply ok(const json::value& v) {
  return {200, json::serialize(v)};
}

RestReply table_error(TableError e, const DevEui& dev_eui) {
  switch (e) {
    case TableError::kAlreadyExists:
      return error_reply(kStatusConflict, "Device.AlreadyExists",
                         "Device " + dev_eui.to_hex() + " already exists");
    case TableError::kNotFound:
      return error_reply(kStatusNotFound, "Device.NotFound",
                         "Device " + dev_eui.to_hex() + " not found");
    case TableError::kLimitExhausted:
      return error_reply(kStatusLimit, "Device.LimitExhausted", "Devices limit exhausted");
  }
  return error_reply(400, "Unknown", "unknown error");
}

RestReply group_error(GroupError e, const DevAddr& addr, const DevEui* dev_eui) {
  switch (e) {
    case GroupError::kAlreadyExists:
      return error_reply(kStatusConflict, "MulticastGroup.AlreadyExists",
                         "Multicast group " + addr.to_hex() + " already exists");
    case GroupError::kNotFound:
      return error_reply(kStatusNotFound, "MulticastGroup.NotFound",
                         "Multicast group " + addr.to_hex() + " not found");
    case GroupError::kDeviceNotFound:
      return error_reply(kStatusNotFound, "Device.NotFound",
                         "Device " + (dev_eui ? dev_eui->to_hex() : "") + " not found");
    case GroupError::kAlreadyContainsDevice:
      return error_reply(kStatusConflict, "MulticastGroup.AlreadyContainsTheDevice",
                         "Multicast group " + addr.to_hex() + " already contains device " +
                             (dev_eui ? dev_eui->to_hex() : ""));
  }
  return error_reply(400, "Unknown", "unknown error");
}

// ---- routing table ----

RestReply devices_select(RestState& st, std::string_view query) {
  Errors errs;
  std::vector<DevEui> filter;
  std::size_t offset = 0;
  std::optional<std::size_t> limit;
  // Boost.URL 1.81's compiled parse_query() runs strlen() on its argument: give it a
  // NUL-terminated copy, never a view into the request buffer.
  const std::string query_text(query);
  auto params = boost::urls::parse_query(query_text);
  if (!params) {
    errs.add(loc({"query"}), "malformed query string", "value_error.query");
    return errs.reply();
  }
  std::size_t eui_index = 0;
  auto parse_count = [&](const std::string& key,
                         const std::string& text) -> std::optional<std::size_t> {
    std::size_t v = 0;
    bool digits = !text.empty() && text.size() <= 18;
    for (char c : text) {
      if (c < '0' || c > '9') {
        digits = false;
        break;
      }
      v = v * 10 + static_cast<std::size_t>(c - '0');
    }
    if (!digits) {
      errs.add(loc({"query", key}), "value is not a valid non-negative integer",
               "type_error.integer");
      return std::nullopt;
    }
    return v;
  };
  for (auto p : *params) {
    std::string key = p.key.decode();
    std::string value = p.has_value ? p.value.decode() : std::string();
    if (key == "DevEUIs") {
      auto e = DevEui::from_hex(value);
      if (!e)
        errs.add(loc({"query", "DevEUIs", static_cast<std::int64_t>(eui_index)}),
                 "value is not a valid 64-bit hex string", "value_error.hex");
      else
        filter.push_back(*e);
      ++eui_index;
    } else if (key == "offset") {
      if (auto v = parse_count(key, value)) offset = *v;
    } else if (key == "limit") {
      if (auto v = parse_count(key, value)) limit = *v;
    }
    // Unknown parameters are ignored, as RAN does.
  }
  if (!errs.empty()) return errs.reply();
  json::array out;
  for (const auto& d : st.table.select(filter, offset, limit)) out.push_back(device_json(d));
  return ok(out);
}

RestReply devices_insert(RestState& st, std::string_view body, const std::string& now) {
  Errors errs;
  auto o = parse_object(body, errs);
  if (!o) return errs.reply();
  auto dev_eui = hex_field<DevEui>(*o, "DevEUI", true, errs);
  auto join_eui = hex_field<JoinEui>(*o, "JoinEUI", false, errs);
  auto dev_addr = hex_field<DevAddr>(*o, "DevAddr", false, errs);
  std::optional<std::string> details;
  if (auto it = o->find("Details"); it != o->end() && !it->value().is_null())
    details = string_field(*o, "Details", false, 65536, errs);
  if (errs.empty()) {
    bool has_join = o->contains("JoinEUI"), has_addr = o->contains("DevAddr");
    if (has_join && has_addr)
      errs.add(loc({"body"}), "only one of JoinEUI (OTAA) or DevAddr (ABP) may be given",
               "value_error");
    else if (!has_join && !has_addr)
      errs.add(loc({"body"}), "one of JoinEUI (OTAA) or DevAddr (ABP) is required", "value_error");
  }
  if (!errs.empty()) return errs.reply();
  auto r = st.table.insert(*dev_eui, join_eui, dev_addr, details, now);
  if (!r.ok()) return table_error(r.error, *dev_eui);
  return ok(device_json(*r.value));
}

RestReply devices_update(RestState& st, std::string_view body) {
  Errors errs;
  auto o = parse_object(body, errs);
  if (!o) return errs.reply();
  auto dev_eui = hex_field<DevEui>(*o, "DevEUI", true, errs);
  auto join_eui = hex_field<JoinEui>(*o, "JoinEUI", true, errs);
  auto active = hex_field<DevAddr>(*o, "ActiveDevAddr", false, errs);
  auto target = hex_field<DevAddr>(*o, "TargetDevAddr", false, errs);
  if (errs.empty() && !o->contains("ActiveDevAddr") && !o->contains("TargetDevAddr"))
    errs.add(loc({"body"}), "at least one of ActiveDevAddr or TargetDevAddr is required",
             "value_error");
  if (!errs.empty()) return errs.reply();
  auto r = st.table.update(*dev_eui, *join_eui, active, target);
  if (!r.ok()) return table_error(r.error, *dev_eui);
  return ok(device_json(*r.value));
}

RestReply devices_drop(RestState& st, std::string_view body) {
  Errors errs;
  auto o = parse_object(body, errs);
  if (!o) return errs.reply();
  auto list = hex_list<DevEui>(*o, "DevEUIs", errs);
  if (!errs.empty()) return errs.reply();
  for (const auto& e : *list) st.groups.forget_device(e);
  std::size_t n = st.table.drop(*list);
  return ok(json::object{{"deleted", n}});
}

RestReply devices_drop_all(RestState& st) {
  for (const auto& d : st.table.select({}, 0, std::nullopt)) st.groups.forget_device(d.dev_eui);
  return ok(json::object{{"deleted", st.table.drop_all()}});
}

// ---- multicast groups ----

RestReply mc_create(RestState& st, std::string_view body, const std::string& now) {
  Errors errs;
  auto o = parse_object(body, errs);
  if (!o) return errs.reply();
  auto name = string_field(*o, "name", true, 255, errs);
  auto addr = hex_field<DevAddr>(*o, "addr", true, errs);
  if (!errs.empty()) return errs.reply();
  auto r = st.groups.create(*addr, *name, now);
  if (!r.ok()) return group_error(r.error, *addr, nullptr);
  return ok(group_json(*r.value));
}

RestReply mc_update(RestState& st, std::string_view body) {
  Errors errs;
  auto o = parse_object(body, errs);
  if (!o) return errs.reply();
  auto addr = hex_field<DevAddr>(*o, "addr", true, errs);
  std::optional<std::string> name;
  std::optional<DevAddr> new_addr;
  auto it = o->find("update");
  if (it == o->end()) {
    errs.add(loc({"body", "update"}), "field required", "value_error.missing");
  } else if (!it->value().is_object()) {
    errs.add(loc({"body", "update"}), "value is not a valid dict", "type_error.dict");
  } else {
    const auto& u = it->value().get_object();
    Errors inner;
    name = string_field(u, "name", false, 255, inner);
    new_addr = hex_field<DevAddr>(u, "addr", false, inner);
    if (!inner.empty()) {
      // Re-root the nested locations under "update".
      json::value v = json::parse(inner.reply().body);
      for (auto& e : v.at("detail").at("error_detail").as_array()) {
        auto& l = e.as_object()["loc"].as_array();
        l.insert(l.begin() + 1, json::value("update"));
        errs.add(l, e.at("msg").as_string(), e.at("type").as_string());
      }
    } else if (!u.contains("name") && !u.contains("addr")) {
      errs.add(loc({"body", "update"}), "at least one of name or addr is required", "value_error");
    }
  }
  if (!errs.empty()) return errs.reply();
  auto r = st.groups.update(*addr, name, new_addr);
  if (!r.ok())
    return group_error(r.error, r.error == GroupError::kAlreadyExists ? *new_addr : *addr, nullptr);
  return ok(group_json(*r.value));
}

RestReply mc_get(RestState& st, std::string_view body) {
  Errors errs;
  auto o = parse_object(body, errs);
  if (!o) return errs.reply();
  auto addrs = hex_list<DevAddr>(*o, "addrs", errs);
  if (!errs.empty()) return errs.reply();
  json::array out;
  for (const auto& g : st.groups.get(*addrs)) out.push_back(group_json(g));
  return ok(out);
}

RestReply mc_delete(RestState& st, std::string_view body) {
  Errors errs;
  auto o = parse_object(body, errs);
  if (!o) return errs.reply();
  auto addrs = hex_list<DevAddr>(*o, "addrs", errs);
  if (!errs.empty()) return errs.reply();
  return ok(json::object{{"deleted", st.groups.remove(*addrs)}});
}

RestReply mc_device(RestState& st, std::string_view body, bool add) {
  Errors errs;
  auto o = parse_object(body, errs);
  if (!o) return errs.reply();
  auto addr = hex_field<DevAddr>(*o, "addr", true, errs);
  auto dev_eui = hex_field<DevEui>(*o, "dev_eui", true, errs);
  if (!errs.empty()) return errs.reply();
  if (!add) return ok(json::object{{"is_removed", st.groups.remove_device(*addr, *dev_eui)}});
  auto r = st.groups.add_device(*addr, *dev_eui, st.table);
  if (!r.ok()) return group_error(r.error, *addr, &*dev_eui);
  return ok(json::object{{"is_added", true}});
}

}  // namespace

RestReply error_reply(unsigned status, std::string_view code, std::string_view description) {
  json::object detail{
      {"error_code", code}, {"error_description", description}, {"error_detail", json::array{}}};
  return {status, json::serialize(json::object{{"detail", detail}})};
}

RestReply plain_detail(unsigned status, std::string_view text) {
  return {status, json::serialize(json::object{{"detail", text}})};
}

std::string iso_now() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(now);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now - secs).count();
  std::time_t t = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lld", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(micros));
  return buf;
}

RestReply handle_rest(RestState& st, std::string_view method, std::string_view path,
                      std::string_view query, std::string_view body, const std::string& now) {
  // Trailing slash tolerated, as FastAPI redirects it.
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  struct Route {
    std::string_view path;
    std::string_view method;
  };
  static constexpr Route routes[] = {
      {"/devices/select", "GET"},
      {"/devices/insert", "POST"},
      {"/devices/update", "POST"},
      {"/devices/drop", "POST"},
      {"/devices/drop-all", "POST"},
      {"/multicast/multicast-groups/create", "POST"},
      {"/multicast/multicast-groups/update", "POST"},
      {"/multicast/multicast-groups/get", "POST"},
      {"/multicast/multicast-groups/delete", "POST"},
      {"/multicast/multicast-groups/add-device", "POST"},
      {"/multicast/multicast-groups/remove-device", "POST"},
  };
  const Route* route = nullptr;
  for (const auto& r : routes)
    if (r.path == path) route = &r;
  if (!route) return plain_detail(404, "Not Found");
  if (route->method != method) return plain_detail(405, "Method Not Allowed");

  if (path == "/devices/select") return devices_select(st, query);
  if (path == "/devices/insert") return devices_insert(st, body, now);
  if (path == "/devices/update") return devices_update(st, body);
  if (path == "/devices/drop") return devices_drop(st, body);
  if (path == "/devices/drop-all") return devices_drop_all(st);
  if (path.ends_with("/create")) return mc_create(st, body, now);
  if (path.ends_with("/update")) return mc_update(st, body);
  if (path.ends_with("/get")) return mc_get(st, body);
  if (path.ends_with("/delete")) return mc_delete(st, body);
  if (path.ends_with("/add-device")) return mc_device(st, body, true);
  return mc_device(st, body, false);
}

}  // namespace ranbridge::emulator
