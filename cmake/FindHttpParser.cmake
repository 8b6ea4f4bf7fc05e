# Find libhttp-parser (nodejs/http-parser). Debian's libhttp-parser-dev ships
# no .pc file and no CMake package. Defines HttpParser::http_parser.
find_path(HTTP_PARSER_INCLUDE_DIR http_parser.h)
# Static when available, as for libev.
find_library(HTTP_PARSER_LIBRARY NAMES libhttp_parser.a http_parser)
if(HTTP_PARSER_INCLUDE_DIR AND EXISTS "${HTTP_PARSER_INCLUDE_DIR}/http_parser.h")
	file(STRINGS "${HTTP_PARSER_INCLUDE_DIR}/http_parser.h" _v
		REGEX "^#define HTTP_PARSER_VERSION_(MAJOR|MINOR)")
	string(REGEX MATCHALL "[0-9]+" _v "${_v}")
	string(REPLACE ";" "." HTTP_PARSER_VERSION "${_v}")
endif()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(HttpParser REQUIRED_VARS HTTP_PARSER_LIBRARY
	HTTP_PARSER_INCLUDE_DIR VERSION_VAR HTTP_PARSER_VERSION)
if(HttpParser_FOUND AND NOT TARGET HttpParser::http_parser)
	add_library(HttpParser::http_parser UNKNOWN IMPORTED)
	set_target_properties(HttpParser::http_parser PROPERTIES
		IMPORTED_LOCATION "${HTTP_PARSER_LIBRARY}"
		INTERFACE_INCLUDE_DIRECTORIES "${HTTP_PARSER_INCLUDE_DIR}")
endif()
mark_as_advanced(HTTP_PARSER_INCLUDE_DIR HTTP_PARSER_LIBRARY)
