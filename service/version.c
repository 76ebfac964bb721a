#include "version.h"

const char *vbr_version(void)
{
	return VBR_VERSION;
}
