/* The existing provider (not built yet: every verb says so). */
#include "kindctl.h"

const struct provider provider_existing = { .name = "existing" };
