#ifndef ISOTRACE_CSECCOMP_SHIM_H
#define ISOTRACE_CSECCOMP_SHIM_H
#include <seccomp.h>
#endif
