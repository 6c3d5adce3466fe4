#include <yaml-cpp/yaml.h>

#include "readers.hpp"

namespace ranbridge::mic::detail {
namespace {

// YAML aliases share nodes; expanding them into the tree could grow exponentially
// ("billion laughs"). No real devices file comes near this many nodes in YAML (JSON is for
// large fleets).
constexpr std::size_t kMaxYamlNodes = 1'000'000;

struct TooLarge {};

std::uint32_t line_of(const YAML::Node& n) {
  const auto m = n.Mark();
  return m.line < 0 ? 0 : static_cast<std::uint32_t>(m.line + 1);
}

void convert(const YAML::Node& n, DocTree& t, std::uint32_t parent, std::string_view key,
             std::uint32_t key_line) {
  if (t.size() >= kMaxYamlNodes) throw TooLarge{};
  const std::uint32_t line = line_of(n);
  switch (n.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      t.add(parent, DocTree::Kind::Null, line ? line : key_line, key, key_line, {});
      return;
    case YAML::NodeType::Scalar:
      // YAML scalars stay text: "0004a30b001c0530" and 0004a30b001c0530 mean the same here.
      t.add(parent, DocTree::Kind::String, line, key, key_line, n.Scalar());
      return;
    case YAML::NodeType::Sequence: {
      const auto self = t.add(parent, DocTree::Kind::Seq, line, key, key_line, {});
      for (const auto& item : n) convert(item, t, self, {}, 0);
      return;
    }
    case YAML::NodeType::Map: {
      const auto self = t.add(parent, DocTree::Kind::Map, line, key, key_line, {});
      for (const auto& kv : n) {
        const std::string k =
            kv.first.IsScalar() ? kv.first.Scalar() : std::string("<complex key>");
        convert(kv.second, t, self, k, line_of(kv.first));
      }
      return;
    }
  }
}

}  // namespace

void read_yaml(std::string_view text, RegistryBuilder& builder) {
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    builder.error(e.mark.line < 0 ? 0 : static_cast<std::uint32_t>(e.mark.line + 1),
                  "YAML syntax error: " + e.msg);
    return;
  }
  DocTree t;
  try {
    convert(doc, t, DocTree::npos, {}, 0);
  } catch (const TooLarge&) {
    builder.error(0,
                  "YAML document too large (more than 1000000 nodes once aliases are "
                  "expanded): use JSON for large fleets");
    return;
  }
  if (t.node(0).kind == DocTree::Kind::Null) {
    builder.error(1, "the file is empty: expected a mapping with a 'devices' list");
    return;
  }
  builder.add_document(t, 0);
}

}  // namespace ranbridge::mic::detail
