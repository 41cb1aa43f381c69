# fragtrace_private_library(NAME OBJLIB): the static library NAME from the OBJECT library OBJLIB,
# exporting only the public API.
#
# The model keeps each kernel function under its kernel name (expand, shrink_slab, ...), which
# must not become global symbols of a library others link. So OBJLIB is compiled with hidden
# visibility, the public headers (model.h, slab.h, replay.h) mark what they declare visible with
# `#pragma GCC visibility push(default)`, and NAME is one relocatable object: OBJLIB's objects
# partially linked (`-r`) with every hidden symbol then made local (`objcopy --localize-hidden`).
# Cross-file references inside the library resolve in the partial link; what is left global is
# the API. With GCC's LTO the partial link also runs the link-time optimisation across the
# library's files (-flinker-output=nolto-rel); other compilers build these objects without LTO.
# Tests that call internals link OBJLIB itself: hidden symbols still link statically.
# tests/symbols_test.sh checks the result with nm.
function(fragtrace_private_library name objlib)
  set_target_properties(${objlib} PROPERTIES C_VISIBILITY_PRESET hidden)
  set(lto_flags)
  if(CMAKE_INTERPROCEDURAL_OPTIMIZATION)
    if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
      set(lto_flags -flto=auto -flinker-output=nolto-rel)
    else()
      set_target_properties(${objlib} PROPERTIES INTERPROCEDURAL_OPTIMIZATION OFF)
    endif()
  endif()
  set(obj ${CMAKE_CURRENT_BINARY_DIR}/${name}_api.o)
  add_custom_command(OUTPUT ${obj}
    COMMAND ${CMAKE_C_COMPILER} -r -nostdlib ${lto_flags} -o ${obj} $<TARGET_OBJECTS:${objlib}>
    COMMAND ${CMAKE_OBJCOPY} --localize-hidden ${obj}
    DEPENDS ${objlib} $<TARGET_OBJECTS:${objlib}>
    COMMAND_EXPAND_LISTS VERBATIM
    COMMENT "Partially linking ${name}: only the public API stays global")
  add_library(${name} STATIC ${obj})
  set_target_properties(${name} PROPERTIES LINKER_LANGUAGE C)
  target_include_directories(${name} PUBLIC $<TARGET_PROPERTY:${objlib},INTERFACE_INCLUDE_DIRECTORIES>)
  get_target_property(deps ${objlib} INTERFACE_LINK_LIBRARIES)
  if(deps)
    target_link_libraries(${name} PUBLIC ${deps})
  endif()
endfunction()

# fragtrace_public_headers(TARGET SRCDIR HEADER...): TARGET's own sources find every header of
# SRCDIR (PRIVATE), while whatever links TARGET sees only the HEADERs listed: they are linked
# into a directory of their own under the build tree (include/TARGET/), which is TARGET's only
# public include directory. So a module's *_internal.h cannot be included from another library
# by accident; a test that needs internals names SRCDIR itself (target_include_directories).
function(fragtrace_public_headers target srcdir)
  set(dir ${CMAKE_BINARY_DIR}/include/${target})
  file(MAKE_DIRECTORY ${dir})
  foreach(h ${ARGN})
    file(CREATE_LINK ${CMAKE_SOURCE_DIR}/${srcdir}/${h} ${dir}/${h} SYMBOLIC)
  endforeach()
  target_include_directories(${target} PRIVATE ${srcdir} INTERFACE ${dir})
endfunction()
