#include "doc_tree.hpp"

namespace ranbridge::mic::detail {

std::uint32_t DocTree::add(std::uint32_t parent, Kind kind, std::uint32_t line,
                           std::string_view key, std::uint32_t key_line, std::string_view text) {
  Node n;
  n.kind = kind;
  n.line = line;
  n.key_line = key_line;
  n.key_off = static_cast<std::uint32_t>(pool_.size());
  n.key_len = static_cast<std::uint32_t>(key.size());
  pool_.append(key);
  n.val_off = static_cast<std::uint32_t>(pool_.size());
  n.val_len = static_cast<std::uint32_t>(text.size());
  pool_.append(text);
  const auto index = static_cast<std::uint32_t>(nodes_.size());
  nodes_.push_back(n);
  if (parent != npos) {
    Node& p = nodes_[parent];
    if (p.last == npos)
      p.first = index;
    else
      nodes_[p.last].next = index;
    p.last = index;
  }
  return index;
}

void DocTree::truncate(std::uint32_t parent, std::size_t node_count, std::size_t pool_size) {
  nodes_.resize(node_count);
  pool_.resize(pool_size);
  Node& p = nodes_[parent];
  // Children of `parent` below node_count stay; find the new last one.
  std::uint32_t last = npos;
  for (std::uint32_t c = p.first; c != npos && c < node_count; c = nodes_[c].next) last = c;
  if (last == npos) {
    p.first = p.last = npos;
  } else {
    nodes_[last].next = npos;
    p.last = last;
  }
}

const char* kind_name(DocTree::Kind k) {
  switch (k) {
    case DocTree::Kind::Null:
      return "null";
    case DocTree::Kind::String:
      return "a string";
    case DocTree::Kind::Number:
      return "a number";
    case DocTree::Kind::Bool:
      return "a boolean";
    case DocTree::Kind::Seq:
      return "a list";
    case DocTree::Kind::Map:
      return "a mapping";
  }
  return "?";
}

}  // namespace ranbridge::mic::detail
