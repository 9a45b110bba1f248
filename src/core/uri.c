#include "core/uri.h"

#include <stddef.h>

const char *kd_uri_choose(const char *option, const char *env_value)
{
    if (option && *option)
        return option;
    if (env_value && *env_value)
        return env_value;
    return NULL;
}
