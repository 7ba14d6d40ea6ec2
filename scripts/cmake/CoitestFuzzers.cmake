# Loaded by scripts/fuzz through -DCMAKE_PROJECT_INCLUDE (the top CMakeLists needs no change).
# When the whole tree has been configured, it turns the fuzzers that coitest_fuzzer() registered
# in the global property COITEST_FUZZERS into
#   - a target `fuzzers` that builds all of them, and
#   - ${CMAKE_BINARY_DIR}/fuzzers.txt: one "NAME<TAB>PATH-OF-EXECUTABLE" line per fuzzer.
include_guard(GLOBAL)

function(_coitest_collect_fuzzers)
  get_property(fuzzers GLOBAL PROPERTY COITEST_FUZZERS)
  add_custom_target(fuzzers)
  set(lines "")
  foreach(fuzzer IN LISTS fuzzers)
    add_dependencies(fuzzers ${fuzzer})
    string(APPEND lines "${fuzzer}\t$<TARGET_FILE:${fuzzer}>\n")
  endforeach()
  file(GENERATE OUTPUT "${CMAKE_BINARY_DIR}/fuzzers.txt" CONTENT "${lines}")
endfunction()

# Deferred to the end of the top-level directory, after every add_subdirectory.
cmake_language(DEFER CALL _coitest_collect_fuzzers)
