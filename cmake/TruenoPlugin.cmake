# trueno_add_plugin(<name> SOURCES <files...> [LIBRARIES <libs...>])
#
# Builds libtrueno-<name>.so as a MODULE library against the ABI header
# alone (Trueno::abi), hides every symbol but the entry function, and
# installs it into <libdir>/trueno/plugins as install component
# plugin-<name>, so a packager can ship each plugin on its own. Used by the
# in-tree plugins and, through find_package(Trueno), by out-of-tree ones.
include_guard(GLOBAL)
include(GNUInstallDirs)

function(trueno_add_plugin name)
  cmake_parse_arguments(P "" "" "SOURCES;LIBRARIES" ${ARGN})
  set(target trueno-${name})
  add_library(${target} MODULE ${P_SOURCES})
  set_target_properties(${target} PROPERTIES
    PREFIX "lib" OUTPUT_NAME trueno-${name}
    C_VISIBILITY_PRESET hidden)
  if(TRUENO_PLUGIN_BUILD_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${TRUENO_PLUGIN_BUILD_DIR})
  endif()
  if(TARGET Trueno::abi)
    target_link_libraries(${target} PRIVATE Trueno::abi ${P_LIBRARIES})
  else()
    target_link_libraries(${target} PRIVATE trueno_abi ${P_LIBRARIES})
  endif()
  install(TARGETS ${target}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/trueno/plugins
          COMPONENT plugin-${name})
endfunction()
