// The test runner's main for Catch2 v2 (v3 brings Catch2::Catch2WithMain instead).
#define CATCH_CONFIG_MAIN
#include "catch.hpp"
