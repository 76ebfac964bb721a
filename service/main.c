/* Placeholder entry point; the service issue replaces it. */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "vbrd %s: not yet implemented\n", VBR_VERSION);
	return 1;
}
