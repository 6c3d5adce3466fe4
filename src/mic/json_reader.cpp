// Streaming JSON front end on Boost.JSON's basic_parser (SAX). Only the current device entry
// is ever held as a tree; line numbers come from where the parser's string views point into
// the current input chunk.
#include <boost/json/basic_parser_impl.hpp>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "readers.hpp"

namespace ranbridge::mic::detail {
namespace {

namespace json = boost::json;
using Kind = DocTree::Kind;

class Handler {
 public:
  static constexpr std::size_t max_object_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_array_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_key_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_string_size = std::numeric_limits<std::size_t>::max();

  explicit Handler(RegistryBuilder& b) : builder_(b) {}

  // Line accounting over the chunks handed to the parser.
  void set_chunk(const char* data, std::size_t size) {
    chunk_ = data;
    chunk_size_ = size;
    counted_ = 0;
  }
  void finish_chunk() { advance_to(chunk_size_); }
  std::uint32_t line_at_offset(std::size_t off) {
    advance_to(off);
    return line_;
  }
  DocTree& tree() { return tree_; }

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) {
    if (tree_.size() > 0) builder_.add_document(tree_, 0);
    return true;
  }
  bool on_object_begin(json::error_code&) {
    open(Kind::Map);
    return true;
  }
  bool on_object_end(std::size_t, json::error_code&) {
    close();
    return true;
  }
  bool on_array_begin(json::error_code&) {
    open(Kind::Seq);
    return true;
  }
  bool on_array_end(std::size_t, json::error_code&) {
    close();
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    if (key_.empty()) key_line_ = mark(s.data());
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    if (key_.empty()) key_line_ = mark(s.data());
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    if (text_.empty()) text_line_ = mark(s.data());
    text_.append(s.data(), s.size());
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    if (text_.empty()) text_line_ = mark(s.data());
    text_.append(s.data(), s.size());
    scalar(Kind::String);
    return true;
  }
  bool on_number_part(json::string_view s, json::error_code&) {
    if (text_.empty()) text_line_ = mark(s.data());
    text_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t, json::string_view s, json::error_code& ec) {
    return on_number(s, ec);
  }
  bool on_uint64(std::uint64_t, json::string_view s, json::error_code& ec) {
    return on_number(s, ec);
  }
  bool on_double(double, json::string_view s, json::error_code& ec) { return on_number(s, ec); }
  bool on_bool(bool b, json::error_code&) {
    text_ = b ? "true" : "false";
    text_line_ = line_;
    scalar(Kind::Bool);
    return true;
  }
  bool on_null(json::error_code&) {
    text_line_ = line_;
    scalar(Kind::Null);
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  struct Open {
    std::uint32_t node;
    bool is_entry_list;  // root.devices or root.multicast_groups: entries streamed out
    bool devices;
  };

  bool on_number(json::string_view s, json::error_code&) {
    if (text_.empty()) text_line_ = mark(s.data());
    text_.append(s.data(), s.size());
    scalar(Kind::Number);
    return true;
  }

  // The line of a pointer into the current chunk; other pointers (the parser's own buffer,
  // used for tokens split across chunks or with escapes) get the last known line.
  std::uint32_t mark(const char* p) {
    if (chunk_ != nullptr && p >= chunk_ && p <= chunk_ + chunk_size_)
      advance_to(static_cast<std::size_t>(p - chunk_));
    return line_;
  }
  void advance_to(std::size_t off) {
    if (off <= counted_) return;
    for (const char* p = chunk_ + counted_; p < chunk_ + off; ++p)
      if (*p == '\n') ++line_;
    counted_ = off;
  }

  std::uint32_t parent() const { return stack_.empty() ? DocTree::npos : stack_.back().node; }

  void begin_value() {
    if (stack_.size() == 2 && stack_.back().is_entry_list) {
      entry_nodes_ = tree_.size();
      entry_pool_ = tree_.pool_size();
    }
  }
  void end_value(std::uint32_t node) {
    // A complete element of root.devices / root.multicast_groups: validate, then forget it.
    if (stack_.size() == 2 && stack_.back().is_entry_list) {
      if (stack_.back().devices)
        builder_.add_device(tree_, node);
      else
        builder_.add_group(tree_, node);
      tree_.truncate(stack_.back().node, entry_nodes_, entry_pool_);
    }
  }

  void open(Kind kind) {
    begin_value();
    fix_map_line();
    const std::uint32_t line = key_.empty() ? line_ : key_line_;
    const auto node = tree_.add(parent(), kind, line, key_, key_.empty() ? 0 : key_line_, {});
    const bool entry_list = stack_.size() == 1 && kind == Kind::Seq &&
                            (key_ == "devices" || key_ == "multicast_groups");
    stack_.push_back({node, entry_list, key_ == "devices"});
    key_.clear();
    first_key_pending_ = kind == Kind::Map;
  }
  void close() {
    const auto node = stack_.back().node;
    stack_.pop_back();
    end_value(node);
  }
  void scalar(Kind kind) {
    begin_value();
    fix_map_line();
    const auto node =
        tree_.add(parent(), kind, text_line_, key_, key_.empty() ? 0 : key_line_, text_);
    key_.clear();
    text_.clear();
    end_value(node);
  }
  // A map's line is where its first key is (the '{' itself gives no position).
  void fix_map_line() {
    if (first_key_pending_ && !stack_.empty()) {
      auto& n = tree_.node(stack_.back().node);
      if (n.key_line == 0 && key_line_ != 0) n.line = key_line_;
      first_key_pending_ = false;
    }
  }

  RegistryBuilder& builder_;
  DocTree tree_;
  std::vector<Open> stack_;
  std::string key_, text_;
  std::uint32_t key_line_ = 0, text_line_ = 0;
  bool first_key_pending_ = false;
  std::size_t entry_nodes_ = 0, entry_pool_ = 0;
  const char* chunk_ = nullptr;
  std::size_t chunk_size_ = 0, counted_ = 0;
  std::uint32_t line_ = 1;
};

}  // namespace

void read_json(const ChunkReader& read, RegistryBuilder& builder) {
  json::parse_options opts;
  opts.max_depth = 64;
  json::basic_parser<Handler> parser(opts, builder);
  constexpr std::size_t kChunk = 1 << 20;
  auto buffer = std::make_unique<char[]>(kChunk);
  bool any = false;
  for (;;) {
    const std::size_t n = read(buffer.get(), kChunk);
    const bool more = n > 0;
    if (n > 0) any = true;
    parser.handler().set_chunk(buffer.get(), n);
    json::error_code ec;
    const std::size_t used = parser.write_some(more, buffer.get(), n, ec);
    if (ec) {
      const auto line = parser.handler().line_at_offset(used);
      if (!any)
        builder.error(1, "the file is empty: expected an object with a \"devices\" list");
      else
        builder.error(line, "JSON syntax error: " + ec.message());
      return;
    }
    parser.handler().finish_chunk();
    if (!more) return;
  }
}

}  // namespace ranbridge::mic::detail
