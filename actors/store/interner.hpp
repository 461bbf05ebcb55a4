#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace xrv::store {

/// Interns strings to small ids; id 0 is the empty string.
class interner {
public:
  interner();
  /// The id of `s`, adding it when new.
  std::uint32_t intern(const std::string& s);
  /// The id of `s` if known.
  [[nodiscard]] std::optional<std::uint32_t> find(const std::string& s) const;

  [[nodiscard]] const std::string& name(std::uint32_t id) const {
    return names_[id];
  }

  [[nodiscard]] std::size_t size() const noexcept {
    return names_.size();
  }

private:
  std::unordered_map<std::string, std::uint32_t> ids_;
  std::vector<std::string> names_;
};

} // namespace xrv::store
