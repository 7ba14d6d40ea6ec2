# check-scripts on a broken script must exit 1 and name the file, line and column at fault.
execute_process(COMMAND ${DRIVER} check-scripts ${SCRIPT} RESULT_VARIABLE rc
                OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "check-scripts exited ${rc}, expected 1\n${out}${err}")
endif()
if(NOT out MATCHES "unterminated.coi:[0-9]+:[0-9]+: error: ")
  message(FATAL_ERROR "no file:line:col in the output:\n${out}${err}")
endif()
message(STATUS "${out}${err}")
