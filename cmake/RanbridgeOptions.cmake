# Compiler settings for our own targets only (third-party headers come in as SYSTEM).

add_library(ranbridge_warnings INTERFACE)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(ranbridge_warnings INTERFACE
    -Wall -Wextra -Werror
    # GCC 12 reports false positives from inlined Asio/Beast/coroutine code at -O1+.
    # -Wmismatched-new-delete: GCC 12 misreads Asio's recycled coroutine frame allocator.
    -Wno-maybe-uninitialized -Wno-array-bounds -Wno-stringop-overflow -Wno-mismatched-new-delete
    # -Wrestrict: GCC bug 105329, std::string operations at -O3 (Release builds).
    -Wno-restrict)
else()
  # Other compilers (clang for the fuzz tree) warn but never fail the build.
  target_compile_options(ranbridge_warnings INTERFACE -Wall -Wextra)
endif()

if(RANBRIDGE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# ranbridge_module(<name> SOURCES ... DEPS ...): one library per module, ranbridge_<name>,
# public headers under include/ranbridge/<name>/.
function(ranbridge_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(ranbridge_${name} STATIC ${M_SOURCES})
  target_include_directories(ranbridge_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include
                                               PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(ranbridge_${name} PUBLIC ${M_DEPS} PRIVATE ${M_PRIVATE_DEPS} ranbridge_warnings)
endfunction()

# ranbridge_test(<name> SOURCES ... DEPS ...): a GoogleTest executable whose tests ctest lists one by one.
function(ranbridge_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_DEPS} GTest::gtest GTest::gmock GTest::gtest_main ranbridge_warnings)
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  set(props TIMEOUT ${T_TIMEOUT})
  if(T_LABELS)
    list(APPEND props LABELS "${T_LABELS}")
  endif()
  gtest_discover_tests(${name}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES ${props}
               ENVIRONMENT "RANBRIDGE_BIN_DIR=${PROJECT_BINARY_DIR}/bin;RANBRIDGE_SOURCE_DIR=${PROJECT_SOURCE_DIR};RANBRIDGE_SHARED_DIR=${PROJECT_SOURCE_DIR}/../shared"
    DISCOVERY_TIMEOUT 60)
endfunction()

set(CMAKE_RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)
