#include "storage/engine.h"

#include <doctest/doctest.h>

namespace xs3::storage {
namespace {
TEST_CASE("placeholder") { CHECK(true); }
}  // namespace
}  // namespace xs3::storage
