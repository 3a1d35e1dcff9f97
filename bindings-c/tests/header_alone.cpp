// Compiled (never run) as strict C++17: both headers need nothing else.
#include "polyconc.h"
#include "polyconc.hpp"

pc_status header_alone_cpp();
pc_status header_alone_cpp() { return pc_chan_close(nullptr); }
