// json-c, as Debian's libjson-c-dev installs it (pkg-config name `json-c`).
#include <json-c/json.h>
#include <json-c/json_tokener.h>
