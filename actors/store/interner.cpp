#include "actors/store/interner.hpp"

namespace xrv::store {

interner::interner() {
  names_.emplace_back();
  ids_.emplace(std::string{}, 0);
}

std::uint32_t interner::intern(const std::string& s) {
  auto [it, added]
    = ids_.try_emplace(s, static_cast<std::uint32_t>(names_.size()));
  if (added)
    names_.push_back(s);
  return it->second;
}

std::optional<std::uint32_t> interner::find(const std::string& s) const {
  auto it = ids_.find(s);
  if (it == ids_.end())
    return std::nullopt;
  return it->second;
}

} // namespace xrv::store
