# Integration tests against the private Dovecot that the ctest fixture `dovecot` starts
# (scripts/tests/CMakeLists.txt defines the fixture: dovecot_start / dovecot_stop).
#
# Include this file from the top CMakeLists.txt before add_subdirectory(harness), so every folder
# can declare integration tests:
#
#   coitest_integration_test(NAME imap_login_live
#                            COMMAND $<TARGET_FILE:my_probe> --target ${COITEST_DOVECOT_DIR}/target.toml
#                            [LABELS extra...] [TIMEOUT seconds] [ENVIRONMENT VAR=value...]
#                            [WORKING_DIRECTORY dir])
#   coitest_integration_gtest(net_live_tests SOURCES a.cpp b.cpp LIBS coitest_net [LABELS extra...])
#
# Each such test requires the fixture (ctest runs dovecot_start first and dovecot_stop after the
# last one, also with -R/-L selections), carries the label `integration`, and sees
#   COITEST_DOVECOT_DIR  the instance's folder: target.toml, target-imaps.toml, env
#                        (COITEST_DOVECOT_IMAP_PORT, _IMAPS_PORT, _LMTP_PORT, _CA, _PID ...),
#                        passwords/<user>.pass, tls/ca.pem
#   COITEST_SOURCE_DIR   the source root (as unit tests do)
# Accounts: alice bob carol dave erin frank grace heidi ivan judy @example.org. Tests run in
# parallel against one instance: pick accounts no other test uses, or use unique Message-IDs
# and mailbox names, and never assume an empty mailbox unless the account is yours alone.
include_guard(GLOBAL)

set(COITEST_DOVECOT_DIR "${CMAKE_BINARY_DIR}/dovecot-fixture")
# Debian's interpreter first: a pyenv shim on PATH costs most of a second per start.
find_program(COITEST_PYTHON3 NAMES python3 HINTS /usr/bin)

function(coitest_integration_test)
  cmake_parse_arguments(PARSE_ARGV 0 I "" "NAME;TIMEOUT;WORKING_DIRECTORY"
                        "COMMAND;LABELS;ENVIRONMENT")
  if(NOT COITEST_TESTS)
    return()
  endif()
  if(NOT I_NAME OR NOT I_COMMAND)
    message(FATAL_ERROR "coitest_integration_test needs NAME and COMMAND")
  endif()
  if(NOT I_TIMEOUT)
    set(I_TIMEOUT 120)
  endif()
  if(I_WORKING_DIRECTORY)
    add_test(NAME ${I_NAME} COMMAND ${I_COMMAND} WORKING_DIRECTORY ${I_WORKING_DIRECTORY})
  else()
    add_test(NAME ${I_NAME} COMMAND ${I_COMMAND})
  endif()
  set(labels integration ${I_LABELS})
  set(env "COITEST_DOVECOT_DIR=${COITEST_DOVECOT_DIR}" "COITEST_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
          ${I_ENVIRONMENT})
  set_tests_properties(
    ${I_NAME} PROPERTIES FIXTURES_REQUIRED dovecot LABELS "${labels}" TIMEOUT ${I_TIMEOUT}
                         ENVIRONMENT "${env}")
endfunction()

# A GoogleTest program whose tests all need the Dovecot fixture (discovered like coitest_test).
function(coitest_integration_gtest name)
  cmake_parse_arguments(PARSE_ARGV 1 T "" "" "SOURCES;LIBS;LABELS")
  if(NOT COITEST_TESTS)
    return()
  endif()
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest_main GTest::gmock)
  set(labels integration ${T_LABELS})
  set(env "COITEST_DOVECOT_DIR=${COITEST_DOVECOT_DIR}" "COITEST_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 30 TEST_LIST ${name}_TESTS
                       PROPERTIES FIXTURES_REQUIRED dovecot TIMEOUT 120)
  # gtest_discover_tests flattens list-valued PROPERTIES (LABELS, ENVIRONMENT), so those are set
  # by a ctest include file that runs after the one defining the discovered tests.
  set(include_file "${CMAKE_CURRENT_BINARY_DIR}/${name}_integration.cmake")
  file(WRITE "${include_file}"
       "if(${name}_TESTS)\n"
       "  set_tests_properties(\${${name}_TESTS} PROPERTIES LABELS [==[${labels}]==]\n"
       "                       ENVIRONMENT [==[${env}]==])\n"
       "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${include_file}")
endfunction()
