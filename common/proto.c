#include "config.h"

#include <stdio.h>
#include <strings.h>

#include "proto.h"

#define ROW_(n, name) { n, name },
static const struct { int num; const char *name; } protos[] = { PROTO_TABLE(ROW_) };
#define N_PROTOS (sizeof(protos) / sizeof(protos[0]))

const char *
proto_name(int proto, char *buf)
{
	for (size_t i = 0; i < N_PROTOS; i++)
		if (protos[i].num == proto)
			return protos[i].name;
	snprintf(buf, PROTO_NAMELEN, "%d", proto & 0xff);
	return buf;
}

int
proto_number(const char *name)
{
	for (size_t i = 0; i < N_PROTOS; i++)
		if (strcasecmp(protos[i].name, name) == 0)
			return protos[i].num;
	return -1;
}
