#ifndef KD_CORE_URI_H
#define KD_CORE_URI_H

/* Which hypervisor URI to open: the -c option, else $LIBVIRT_DEFAULT_URI, else NULL,
 * which lets libvirt choose its own default. Empty strings count as unset. */
const char *kd_uri_choose(const char *option, const char *env_value);

#endif
