/* Placeholder entry point; the CLI issue replaces it. */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "vbrctl %s: not yet implemented\n", VBR_VERSION);
	return 1;
}
