# dynfault_folder_table(<sources-var> <folder> <template> <output> <declaration> <entry>)
#
# The registries whose members are one file each (mutate/operators,
# runner/probes, evaluate/analyses): every <folder>/*.cpp, sorted, is one
# member named after its file stem. For each, <declaration> and <entry> (with
# @STEM@ replaced by the stem) are appended to TABLE_DECLARATIONS and
# TABLE_ENTRIES, and <template> is configured into <output>. The generated table
# references every member, so none is lost to the linker's dropping of
# unreferenced static-library objects or to a hand-written list. <sources-var>
# receives the member sources.
function(dynfault_folder_table sources_var folder template output declaration entry)
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${folder}/*.cpp)
  list(SORT sources)
  set(TABLE_DECLARATIONS "")
  set(TABLE_ENTRIES "")
  foreach(src ${sources})
    get_filename_component(stem ${src} NAME_WE)
    string(REPLACE "@STEM@" "${stem}" one_declaration "${declaration}")
    string(REPLACE "@STEM@" "${stem}" one_entry "${entry}")
    string(APPEND TABLE_DECLARATIONS "${one_declaration}\n")
    string(APPEND TABLE_ENTRIES "${one_entry}\n")
  endforeach()
  configure_file(${template} ${output} @ONLY)
  set(${sources_var} ${sources} PARENT_SCOPE)
endfunction()
