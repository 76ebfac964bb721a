#ifndef VBR_SERVICE_VERSION_H
#define VBR_SERVICE_VERSION_H
const char *vbr_version(void);
#endif
