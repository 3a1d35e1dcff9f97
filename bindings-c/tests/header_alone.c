/* Compiled (never run) as strict C11: the header needs nothing else. */
#include "polyconc.h"

pc_status header_alone_c(void);
pc_status header_alone_c(void) { return pc_chan_close(NULL); }
