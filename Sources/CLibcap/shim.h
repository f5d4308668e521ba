// libcap (sys/capability.h) plus what Swift's Glibc module cannot give the privilege drop: prctl is variadic, and
// setresuid, setresgid, getresuid and getresgid are declared only under _GNU_SOURCE, which must not be defined in
// a header Swift imports. The wrappers declare those functions at block scope, so nothing leaks into the module.
#ifndef CLIBCAP_SHIM_H
#define CLIBCAP_SHIM_H

#include <sys/types.h>
#include <sys/capability.h>
#include <sys/prctl.h>

/// prctl(2) with every argument spelled out; -1 with errno on failure.
static inline int clibcap_prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4,
                                unsigned long arg5) {
    return prctl(option, arg2, arg3, arg4, arg5);
}

/// glibc's setresuid, which applies the change to every thread of the process.
static inline int clibcap_setresuid(uid_t real, uid_t effective, uid_t saved) {
    extern int setresuid(uid_t, uid_t, uid_t);
    return setresuid(real, effective, saved);
}

/// glibc's setresgid, which applies the change to every thread of the process.
static inline int clibcap_setresgid(gid_t real, gid_t effective, gid_t saved) {
    extern int setresgid(gid_t, gid_t, gid_t);
    return setresgid(real, effective, saved);
}

static inline int clibcap_getresuid(uid_t *real, uid_t *effective, uid_t *saved) {
    extern int getresuid(uid_t *, uid_t *, uid_t *);
    return getresuid(real, effective, saved);
}

static inline int clibcap_getresgid(gid_t *real, gid_t *effective, gid_t *saved) {
    extern int getresgid(gid_t *, gid_t *, gid_t *);
    return getresgid(real, effective, saved);
}

#endif
