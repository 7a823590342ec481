# cmake -DSRC=<conformance-tests/js> -DDST=<dir> -DNPM=<npm> -P install.cmake
#
# Fixture for the JS suites. Several ctest runs may share one build dir at the same time, so
# nothing here deletes a node_modules another run may be using:
#   * DST is named after the lock file's hash; the packages are installed once with `npm ci`
#     into a private temp dir that is then renamed into place (the loser of a race discards its
#     copy);
#   * the test sources are copied in on every run, each through a temp name and a rename.
foreach(var SRC DST NPM)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "install.cmake: -D${var}= is required")
  endif()
endforeach()

if(NOT EXISTS "${DST}/node_modules/.xs3-installed")
  string(RANDOM LENGTH 8 tag)
  set(tmp "${DST}.tmp-${tag}")
  file(REMOVE_RECURSE "${tmp}")
  file(MAKE_DIRECTORY "${tmp}")
  file(COPY "${SRC}/package.json" "${SRC}/package-lock.json" DESTINATION "${tmp}")
  execute_process(COMMAND "${NPM}" ci --no-audit --no-fund
                  WORKING_DIRECTORY "${tmp}" RESULT_VARIABLE rc TIMEOUT 280)
  if(NOT rc EQUAL 0)
    file(REMOVE_RECURSE "${tmp}")
    message(FATAL_ERROR "npm ci failed (${rc})")
  endif()
  file(TOUCH "${tmp}/node_modules/.xs3-installed")
  file(RENAME "${tmp}" "${DST}" RESULT rename_rc)  # fails if another run created DST
  if(NOT rename_rc STREQUAL "0")
    file(REMOVE_RECURSE "${tmp}")  # another run installed it first
  endif()
  if(NOT EXISTS "${DST}/node_modules/.xs3-installed")
    message(FATAL_ERROR "no installed packages in ${DST}")
  endif()
endif()

file(GLOB sources "${SRC}/*.mjs")
foreach(f IN LISTS sources)
  get_filename_component(name "${f}" NAME)
  string(RANDOM LENGTH 8 tag)
  file(COPY_FILE "${f}" "${DST}/.${name}.${tag}")
  file(RENAME "${DST}/.${name}.${tag}" "${DST}/${name}")
endforeach()
message(STATUS "JS conformance sources and packages ready in ${DST}")
