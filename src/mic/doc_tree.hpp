#pragma once
// A minimal document tree that both front ends (yaml-cpp, Boost.JSON's SAX parser) fill, so
// that one validator serves both formats. Every node keeps the line it came from. Storage is
// two vectors reused between documents: filling a tree per device allocates nothing once warm.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ranbridge::mic::detail {

class DocTree {
 public:
  enum class Kind : std::uint8_t { Null, String, Number, Bool, Seq, Map };
  static constexpr std::uint32_t npos = 0xFFFFFFFF;

  struct Node {
    Kind kind = Kind::Null;
    std::uint32_t line = 0;      // where the value starts (for maps: their first key)
    std::uint32_t key_line = 0;  // where its key is, when it is a map entry
    std::uint32_t key_off = 0, key_len = 0;
    std::uint32_t val_off = 0, val_len = 0;
    std::uint32_t first = npos, last = npos, next = npos;  // children / next sibling
  };

  void clear() {
    nodes_.clear();
    pool_.clear();
  }
  std::size_t size() const { return nodes_.size(); }
  // Adds a node under `parent` (npos: a root). Returns its index.
  std::uint32_t add(std::uint32_t parent, Kind kind, std::uint32_t line, std::string_view key,
                    std::uint32_t key_line, std::string_view text);
  // Drops every node from `node_count` on (and their text), detaching them from `parent`,
  // which must have no other children at or past that index.
  void truncate(std::uint32_t parent, std::size_t node_count, std::size_t pool_size);
  std::size_t pool_size() const { return pool_.size(); }

  Node& node(std::uint32_t i) { return nodes_[i]; }
  const Node& node(std::uint32_t i) const { return nodes_[i]; }
  std::string_view key(const Node& n) const {
    return std::string_view(pool_).substr(n.key_off, n.key_len);
  }
  std::string_view text(const Node& n) const {
    return std::string_view(pool_).substr(n.val_off, n.val_len);
  }

  // Children of a Seq or Map, in document order.
  template <class F>
  void for_each_child(std::uint32_t parent, F&& f) const {
    for (std::uint32_t c = nodes_[parent].first; c != npos; c = nodes_[c].next) f(c, nodes_[c]);
  }

 private:
  std::vector<Node> nodes_;
  std::string pool_;
};

const char* kind_name(DocTree::Kind k);

}  // namespace ranbridge::mic::detail
