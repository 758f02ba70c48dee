/* The local provider (not built yet: every verb says so). */
#include "kindctl.h"

const struct provider provider_local = { .name = "local" };
