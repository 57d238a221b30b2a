// OpenBLAS's CBLAS interface, as Debian's libopenblas-dev installs it (pkg-config name `openblas`).
#include <cblas.h>
