# Find libev. Debian's libev-dev ships no .pc file and no CMake package.
# Defines the imported target Libev::libev.
find_path(LIBEV_INCLUDE_DIR ev.h)
# The static archive when there is one: one shared library less to load
# at every start (tend exec is measured against tini).
find_library(LIBEV_LIBRARY NAMES libev.a ev)
if(LIBEV_INCLUDE_DIR AND EXISTS "${LIBEV_INCLUDE_DIR}/ev.h")
	file(STRINGS "${LIBEV_INCLUDE_DIR}/ev.h" _maj REGEX "^#define EV_VERSION_MAJOR")
	file(STRINGS "${LIBEV_INCLUDE_DIR}/ev.h" _min REGEX "^#define EV_VERSION_MINOR")
	string(REGEX REPLACE ".*MAJOR[ \t]+([0-9]+).*" "\\1" _maj "${_maj}")
	string(REGEX REPLACE ".*MINOR[ \t]+([0-9]+).*" "\\1" _min "${_min}")
	set(LIBEV_VERSION "${_maj}.${_min}")
endif()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Libev REQUIRED_VARS LIBEV_LIBRARY
	LIBEV_INCLUDE_DIR VERSION_VAR LIBEV_VERSION)
if(Libev_FOUND AND NOT TARGET Libev::libev)
	add_library(Libev::libev UNKNOWN IMPORTED)
	set_target_properties(Libev::libev PROPERTIES
		IMPORTED_LOCATION "${LIBEV_LIBRARY}"
		INTERFACE_INCLUDE_DIRECTORIES "${LIBEV_INCLUDE_DIR}")
endif()
mark_as_advanced(LIBEV_INCLUDE_DIR LIBEV_LIBRARY)
