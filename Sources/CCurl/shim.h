// libcurl, as Debian's libcurl4-openssl-dev installs it (pkg-config name `libcurl`).
#include <curl/curl.h>
