#ifndef ISOTRACE_GLIBC_COMPAT_H
#define ISOTRACE_GLIBC_COMPAT_H

/* Nothing to call: this target only pins symbol versions at link time (see glibc_compat.c). */
int isotrace_glibc_compat_linked(void);

#endif
