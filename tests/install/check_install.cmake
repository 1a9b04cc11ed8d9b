file(REMOVE_RECURSE ${WORK_DIR})
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)
# The libraries of a sanitized build (scripts/sanitize.sh) call into the sanitizer's runtime: the
# consumer links it too, and python3 (not instrumented) preloads it, without leak detection
# (CPython's objects left at exit).
set(consumer_flags "")
set(python_env "")
if(SANITIZE)
  set(consumer_flags -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=${SANITIZE})
  set(python_env LD_PRELOAD=${SANITIZER_PRELOAD} ASAN_OPTIONS=detect_leaks=0)
endif()
run(${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/build -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Release
    ${consumer_flags})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build -j2)
run(${WORK_DIR}/build/consumer)
if(NOT last_output MATCHES "gradient -3.5234843061579")
  message(FATAL_ERROR "consumer printed an unexpected result:\n${last_output}")
endif()
message(STATUS "consumer output:\n${last_output}")

# The Python module, from the installed tree only (nothing of the build tree on its path). The
# script's lines are separated by newlines, not semicolons (CMake would split the argument there).
if(PYTHON)
  set(module_dir ${PYTHON_DIR})
  if(NOT IS_ABSOLUTE ${module_dir})
    set(module_dir ${WORK_DIR}/prefix/${module_dir})
  endif()
  run(${CMAKE_COMMAND} -E env PYTHONPATH=${module_dir} ${python_env} ${PYTHON} -c
      "import hessfit\nr = hessfit.fit(hessfit.Workspace.load('${WORKSPACE}').model(measurement='tiny'))\nprint(hessfit.__file__, r.status, r.covariance_status)")
  if(NOT last_output MATCHES "^${module_dir}/hessfit[^ ]*\\.so converged accurate")
    message(FATAL_ERROR "the installed Python module printed an unexpected result:\n${last_output}")
  endif()
  message(STATUS "installed Python module: ${last_output}")
endif()
